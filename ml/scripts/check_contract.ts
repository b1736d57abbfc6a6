// Validates a model.json with the engine's own zod schema (packages/shared/src/model-contract.ts).
// Usage (repo root has node_modules): npx tsx ml/scripts/check_contract.ts path/to/model.json
import { readFileSync } from 'node:fs';
import { modelManifestSchema, frameRate } from '../../packages/shared/src/model-contract.ts';

const path = process.argv[2];
if (!path) {
  console.error('usage: tsx ml/scripts/check_contract.ts <model.json>');
  process.exit(2);
}
const result = modelManifestSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
if (!result.success) {
  console.error(`${path} violates the model contract:\n${JSON.stringify(result.error.issues, null, 2)}`);
  process.exit(1);
}
console.log(`${path}: valid under the model contract (${frameRate(result.data)} frames/s)`);
