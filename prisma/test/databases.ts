// The real databases the repository tests run on: SQLite in a temp dir (always) and PostgreSQL at
// TEST_DATABASE_URL_PG (skipped when unset; `npm run test:unit` starts a throwaway server, or:
//   node scripts/test/postgres.mjs -- node --import tsx --test prisma/test/*.test.ts).
// Each is migrated the way install/start do it: `node scripts/install/database.mjs --migrate-only`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openDatabase, type BandmateDatabase } from '../../apps/sfu/src/db/index.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PG_URL = process.env.TEST_DATABASE_URL_PG;
export const PG_SKIP = PG_URL
  ? false
  : 'TEST_DATABASE_URL_PG is not set: PostgreSQL case skipped. Run it with a throwaway server: ' +
    'node scripts/test/postgres.mjs -- node --import tsx --test prisma/test/*.test.ts';

export type DatabaseName = 'sqlite' | 'postgresql';

export function migrate(url: string): void {
  const res = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'install', 'database.mjs'), '--migrate-only'], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: url },
    encoding: 'utf8',
  });
  assert.equal(res.status, 0, `database.mjs --migrate-only failed:\n${res.stdout}\n${res.stderr}`);
}

/**
 * Declares `suite` once per database, each with a freshly migrated database opened before its
 * tests and closed after them.
 */
export function onEachDatabase(title: string, suite: (name: DatabaseName, db: () => BandmateDatabase) => void): void {
  describe(`${title} on SQLite (temp file)`, () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-db-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    withDatabase('sqlite', `file:${path.join(dir, 'test.db')}`, suite);
  });
  describe(`${title} on PostgreSQL (TEST_DATABASE_URL_PG)`, { skip: PG_SKIP }, () => {
    withDatabase('postgresql', PG_URL ?? '', suite);
  });
}

function withDatabase(name: DatabaseName, url: string, suite: (name: DatabaseName, db: () => BandmateDatabase) => void): void {
  let db: BandmateDatabase | undefined;
  before(async () => {
    migrate(url);
    db = await openDatabase(url);
  });
  after(async () => {
    await db?.close();
  });
  suite(name, () => db!);
}
