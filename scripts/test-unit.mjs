// Unit and integration tests with node's test runner. Node 20 does not expand globs
// itself, so the test files are listed here. The database tests also run against a
// throwaway PostgreSQL cluster when the server binaries are installed (UNIT_PG=off skips).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres } from './test/postgres.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TEST_DIRS = ['test', 'e2e/test', 'packages/shared/test', 'packages/synth/test', 'packages/media/test', 'apps/sfu/test', 'apps/inference/test', 'prisma/test'];

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
const env = { CHECKPOINT_DISABLE: '1', ...process.env };
let pg;
if (!env.TEST_DATABASE_URL_PG && env.UNIT_PG !== 'off') {
  try {
    pg = await startPostgres();
    env.TEST_DATABASE_URL_PG = pg.url;
  } catch (err) {
    console.warn(`[test:unit] no throwaway PostgreSQL (${err.message.split('\n')[0]}); its cases will be skipped`);
  }
}
// --test-force-exit: a file whose tests are done must not hold the run open with a handle left behind
// (a socket or timer of a library), which would stall CI with every test passed.
const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-force-exit', ...extra, ...files], {
  cwd: root,
  stdio: 'inherit',
  env,
});
await pg?.stop();
process.exit(run.status ?? 1);
