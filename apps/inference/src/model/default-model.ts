import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The model shipped in the repository (models/default), used when none is configured. */
export const DEFAULT_MODEL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../models/default');
