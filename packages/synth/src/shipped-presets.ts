import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The SoundFont the repository ships: the presets below, cut out of FluidR3_GM (see SOUNDFONT.md). */
export const DEFAULT_SOUNDFONT_PATH = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../models/default/instruments.sf3',
);

/** The General MIDI presets the AI band member plays; bank 128 is the percussion bank. */
export const SHIPPED_PRESETS = [
  { bank: 128, program: 0, name: 'Standard drum kit' },
  { bank: 0, program: 0, name: 'Acoustic Grand Piano' },
  { bank: 0, program: 4, name: 'Electric Piano 1' },
  { bank: 0, program: 16, name: 'Drawbar Organ' },
  { bank: 0, program: 24, name: 'Acoustic Guitar (nylon)' },
  { bank: 0, program: 25, name: 'Acoustic Guitar (steel)' },
  { bank: 0, program: 32, name: 'Acoustic Bass' },
  { bank: 0, program: 33, name: 'Electric Bass (finger)' },
  { bank: 0, program: 34, name: 'Electric Bass (pick)' },
] as const;
