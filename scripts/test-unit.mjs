// Unit and integration tests with node's test runner. Node 20 does not expand globs
// itself, so the test files are listed here.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TEST_DIRS = ['test', 'packages/shared/test', 'apps/sfu/test', 'prisma/test'];

const files = TEST_DIRS.flatMap((dir) => {
  try {
    return readdirSync(path.join(root, dir))
      .filter((f) => /\.test\.(ts|mjs)$/.test(f))
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
});
const extra = process.argv.slice(2);
const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...extra, ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { CHECKPOINT_DISABLE: '1', ...process.env },
});
process.exit(run.status ?? 1);
