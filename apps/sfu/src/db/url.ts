// DATABASE_URL handling for the SFU. Mirrors resolveDatabaseUrl() in scripts/install/database.mjs
// (which migrates the database before the SFU starts); prisma/test/db.test.ts checks they agree.
//   file:<path>                         → SQLite; relative paths are relative to the REPO ROOT, not the cwd
//   postgres://… | postgresql://…       → PostgreSQL
//   unset/empty                         → file:./data/bandmate.db
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type DatabaseProvider = 'sqlite' | 'postgresql';

export type ResolvedDatabaseUrl =
  | { provider: 'sqlite'; url: string; filePath: string }
  | { provider: 'postgresql'; url: string; filePath?: undefined };

/** apps/sfu/src/db → repo root. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const DEFAULT_DATABASE_URL = 'file:./data/bandmate.db';

export function providerFromUrl(url: string): DatabaseProvider {
  if (/^file:/i.test(url)) return 'sqlite';
  if (/^postgres(ql)?:\/\//i.test(url)) return 'postgresql';
  throw new Error(
    `Unsupported DATABASE_URL ${JSON.stringify(redactUrl(url))}: use file:<path> (SQLite) or ` +
      'postgresql://user:password@host:port/db (PostgreSQL).',
  );
}

export function resolveDatabaseUrl(input?: string): ResolvedDatabaseUrl {
  const raw = input && input.trim() !== '' ? input.trim() : DEFAULT_DATABASE_URL;
  const provider = providerFromUrl(raw);
  if (provider === 'postgresql') return { provider, url: raw };
  let p = raw.slice('file:'.length).replace(/[?#].*$/, '');
  if (p.startsWith('//')) p = fileURLToPath(raw.replace(/[?#].*$/, '')); // file:///abs/path
  if (p === '' || p === ':memory:') {
    throw new Error('DATABASE_URL file: needs a file path (in-memory SQLite cannot be migrated and shared).');
  }
  const filePath = path.resolve(REPO_ROOT, p);
  return { provider, url: `file:${filePath}`, filePath };
}

/** Hides the password of a postgres URL for messages. */
/**
 * Where the SFU keeps its own files beside the database (the generated invite secret, the mail
 * outbox): next to the SQLite file, else data/ in the repo (git-ignored).
 */
export function dataDirectory(databaseUrl: string | undefined): string {
  const db = resolveDatabaseUrl(databaseUrl);
  return db.provider === 'sqlite' ? path.dirname(db.filePath) : path.join(REPO_ROOT, 'data');
}

export function redactUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}
