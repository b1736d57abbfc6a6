import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { dataDirectory } from '../db/url.ts';

/**
 * The key that signs invite links. INVITE_SECRET when set (deployments with several SFUs or a
 * read-only disk must set it); otherwise 32 random bytes generated on first start and kept in a
 * file (mode 0600) so links survive restarts: INVITE_SECRET_FILE, else `invite-secret` next to
 * the SQLite file (data/ by default), else data/invite-secret in the repo (git-ignored).
 * Changing the secret invalidates every invite link.
 */
export function loadInviteSecret(options: { secret?: string; file?: string; databaseUrl?: string }): { key: Buffer; source: string } {
  if (options.secret) return { key: Buffer.from(options.secret, 'utf8'), source: 'INVITE_SECRET' };
  const file = options.file ?? defaultSecretFile(options.databaseUrl);
  const existing = readSecret(file);
  if (existing) return { key: existing, source: file };
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    // 'wx': never overwrite; two processes starting at once both end up with the first one's key.
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const key = readSecret(file);
  if (!key) throw new Error(`invite secret file ${file} is unreadable or shorter than 32 bytes; delete it or set INVITE_SECRET`);
  return { key, source: file };
}

function readSecret(file: string): Buffer | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return text.length >= 32 ? Buffer.from(text, 'utf8') : null;
}

function defaultSecretFile(databaseUrl: string | undefined): string {
  return path.join(dataDirectory(databaseUrl), 'invite-secret');
}
