#!/usr/bin/env node
// Database setup for Bandmate: generates both Prisma clients and migrates the database named by
// DATABASE_URL with `prisma migrate deploy`.
//
// Run from the repo root by the root `postinstall` and again by scripts/start.mjs:
//   node scripts/install/database.mjs            # DATABASE_URL or file:./data/bandmate.db
//   DATABASE_URL=postgresql://u:p@host:5432/db node scripts/install/database.mjs
//   node scripts/install/database.mjs --generate-only | --migrate-only
//
// Provider by URL scheme: file: → sqlite (prisma/sqlite), postgres:// | postgresql:// → postgresql
// (prisma/postgresql). Relative SQLite paths are relative to the repo root, never the cwd; the
// runtime module apps/sfu/src/db/url.ts follows the same convention (prisma/test checks they agree).
//
// Offline: Prisma 6.19.3 with `engine: "js"` (see prisma/*/prisma.config.ts) uses the Wasm schema
// engine shipped in the `prisma` npm package; nothing is downloaded. See prisma/README.md.
//
// Exports: ensureDatabase(), generateClients(), migrateDatabase(), resolveDatabaseUrl(),
// providerFromUrl(), redactUrl(), REPO_ROOT, DEFAULT_DATABASE_URL.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_DATABASE_URL = 'file:./data/bandmate.db';
export const PROVIDERS = /** @type {const} */ (['sqlite', 'postgresql']);

const GENERATED_DIR = path.join(REPO_ROOT, 'apps', 'sfu', 'src', 'db', 'generated');
const STAMP_FILE = '.bandmate-generate-stamp.json';

/** @param {string} url @returns {'sqlite' | 'postgresql'} */
export function providerFromUrl(url) {
  if (/^file:/i.test(url)) return 'sqlite';
  if (/^postgres(ql)?:\/\//i.test(url)) return 'postgresql';
  throw new Error(
    `Unsupported DATABASE_URL ${JSON.stringify(redactUrl(url))}: use file:<path> (SQLite) or ` +
      'postgresql://user:password@host:port/db (PostgreSQL).',
  );
}

/**
 * Normalises a database URL. SQLite: `file:<path>`, relative paths resolved against the repo root;
 * a `?query` suffix is dropped. PostgreSQL URLs are returned unchanged.
 * @param {string | undefined} [input] defaults to DEFAULT_DATABASE_URL when empty
 * @param {{ expect?: 'sqlite' | 'postgresql' }} [opts]
 * @returns {{ provider: 'sqlite', url: string, filePath: string } | { provider: 'postgresql', url: string, filePath?: undefined }}
 */
export function resolveDatabaseUrl(input, opts = {}) {
  const raw = input && input.trim() !== '' ? input.trim() : DEFAULT_DATABASE_URL;
  const provider = providerFromUrl(raw);
  if (opts.expect && opts.expect !== provider) {
    throw new Error(
      `This command needs a ${opts.expect} DATABASE_URL, got ${JSON.stringify(redactUrl(raw))} (${provider}).`,
    );
  }
  if (provider === 'postgresql') return { provider, url: raw };
  let p = raw.slice('file:'.length).replace(/[?#].*$/, '');
  if (p.startsWith('//')) p = fileURLToPath(raw.replace(/[?#].*$/, '')); // file:///abs/path
  if (p === '' || p === ':memory:') {
    throw new Error('DATABASE_URL file: needs a file path (in-memory SQLite cannot be migrated and shared).');
  }
  const filePath = path.resolve(REPO_ROOT, p);
  return { provider, url: `file:${filePath}`, filePath };
}

/** Hides the password of a postgres URL for messages. @param {string} url */
export function redactUrl(url) {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}

function prismaCliPath() {
  const require = createRequire(path.join(REPO_ROOT, 'package.json'));
  const pkgJson = require.resolve('prisma/package.json');
  const pkg = JSON.parse(readFileSync(pkgJson, 'utf8'));
  return { cli: path.join(path.dirname(pkgJson), pkg.bin?.prisma ?? 'build/index.js'), version: pkg.version };
}

/** @param {'sqlite' | 'postgresql'} provider */
function configPath(provider) {
  return path.join('prisma', provider, 'prisma.config.ts');
}

/**
 * Preloaded into the Prisma CLI: the Wasm schema engine leaves a 10 s timer (a timeout race around
 * its PostgreSQL work) pending after the command is done, so every PostgreSQL `migrate deploy` sat
 * idle for 10 s before exiting. Unref'ing long timers lets the process exit once its real work (open
 * sockets, pending I/O) is over; while that work runs, it keeps the process alive as before.
 */
const UNREF_LONG_TIMERS =
  'data:text/javascript,' +
  encodeURIComponent(
    'const st = globalThis.setTimeout;' +
      'globalThis.setTimeout = function (fn, ms, ...a) {' +
      ' const t = st(fn, ms, ...a); if (Number(ms) >= 5000 && t && typeof t.unref === "function") t.unref(); return t; };',
  );

/**
 * Runs the Prisma CLI (offline-safe environment) and resolves with its output; rejects with the
 * output in the message on a non-zero exit.
 * @param {string[]} args @param {Record<string, string>} env @param {boolean} quiet
 */
function runPrisma(args, env, quiet) {
  const { cli } = prismaCliPath();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', UNREF_LONG_TIMERS, cli, ...args], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        CHECKPOINT_DISABLE: '1',
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
        PRISMA_DISABLE_WARNINGS: process.env.PRISMA_DISABLE_WARNINGS ?? '1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) {
        if (!quiet) process.stdout.write(indent(out));
        resolve(out);
      } else {
        reject(new Error(`prisma ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${indent(out)}`));
      }
    });
  });
}

/** @param {string} s */
function indent(s) {
  return s
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => `  ${l}\n`)
    .join('');
}

/** Hash of everything that determines a generated client. @param {'sqlite' | 'postgresql'} provider */
function generateFingerprint(provider) {
  const h = createHash('sha256');
  h.update(prismaCliPath().version);
  const require = createRequire(path.join(REPO_ROOT, 'package.json'));
  try {
    h.update(JSON.parse(readFileSync(require.resolve('@prisma/client/package.json'), 'utf8')).version);
  } catch {
    h.update('no-@prisma/client');
  }
  h.update(readFileSync(path.join(REPO_ROOT, 'prisma', provider, 'schema.prisma')));
  h.update(readFileSync(path.join(REPO_ROOT, configPath(provider))));
  return h.digest('hex');
}

/**
 * Generates the SQLite and PostgreSQL clients into apps/sfu/src/db/generated/<provider>.
 * Skips a client whose schema, config and Prisma versions are unchanged since its last generation.
 * @param {{ force?: boolean, quiet?: boolean, log?: (msg: string) => void }} [opts]
 * @returns {Promise<{ provider: string, generated: boolean }[]>}
 */
export async function generateClients(opts = {}) {
  const log = opts.log ?? ((m) => console.log(m));
  const jobs = PROVIDERS.map(async (provider) => {
    const outDir = path.join(GENERATED_DIR, provider);
    const stampPath = path.join(outDir, STAMP_FILE);
    const fingerprint = generateFingerprint(provider);
    if (!opts.force && existsSync(path.join(outDir, 'client.ts')) && readStamp(stampPath) === fingerprint) {
      log(`[database] ${provider} client up to date (${path.relative(REPO_ROOT, outDir)})`);
      return { provider, generated: false };
    }
    const t0 = performance.now();
    // generate never connects; the adapter in the config is not called.
    await runPrisma(['generate', '--config', configPath(provider)], {}, opts.quiet ?? true);
    writeFileSync(stampPath, JSON.stringify({ fingerprint }) + '\n');
    log(`[database] generated ${provider} client in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return { provider, generated: true };
  });
  return Promise.all(jobs);
}

/** @param {string} p */
function readStamp(p) {
  try {
    return JSON.parse(readFileSync(p, 'utf8')).fingerprint;
  } catch {
    return undefined;
  }
}

/**
 * Checks that PostgreSQL answers; creates the database if the server is up but it does not exist.
 * Throws an Error with a clear message otherwise.
 * @param {string} url
 */
async function ensurePostgresReachable(url) {
  const require = createRequire(path.join(REPO_ROOT, 'apps', 'sfu', 'package.json'));
  /** @type {typeof import('pg')} */
  const pg = await import(pathToFileURL(require.resolve('pg')).href).then((m) => m.default ?? m);
  const tryConnect = async (/** @type {string} */ connectionString) => {
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('select 1');
    } finally {
      await client.end().catch(() => {});
    }
  };
  try {
    await tryConnect(url);
  } catch (err) {
    const e = /** @type {any} */ (err);
    if (e?.code === '3D000') {
      // Server reachable, database missing: create it (as the classic schema engine would).
      const u = new URL(url);
      const dbName = decodeURIComponent(u.pathname.replace(/^\//, ''));
      u.pathname = '/postgres';
      const admin = new pg.Client({ connectionString: u.toString(), connectionTimeoutMillis: 5000 });
      admin.on('error', () => {});
      try {
        await admin.connect();
        await admin.query(`CREATE DATABASE "${dbName.replace(/"/g, '""')}"`);
        console.log(`[database] created PostgreSQL database "${dbName}"`);
        return;
      } catch (err2) {
        throw new Error(
          `PostgreSQL database "${dbName}" does not exist and could not be created at ${redactUrl(url)}: ` +
            `${/** @type {Error} */ (err2).message}`,
        );
      } finally {
        await admin.end().catch(() => {});
      }
    }
    const reason = e?.code ? `${e.code}: ${e.message}` : String(e?.message ?? e);
    const network = !e?.code || /^E[A-Z]+$/.test(e.code) || /timeout|terminated/i.test(e?.message ?? '');
    throw new Error(
      (network
        ? `PostgreSQL is unreachable at ${redactUrl(url)} (${reason}).\n`
        : `PostgreSQL at ${redactUrl(url)} refused the connection (${reason}).\n`) +
        '  Start the server (or fix host/port/user/password in DATABASE_URL), or unset DATABASE_URL to use\n' +
        `  SQLite at ${DEFAULT_DATABASE_URL}. For a throwaway test server: node scripts/test/postgres.mjs`,
    );
  }
}

/**
 * Applies pending migrations of prisma/<provider>/migrations with `prisma migrate deploy`.
 * Creates the SQLite data directory. Throws a clear error if PostgreSQL is unreachable.
 * @param {string} [databaseUrl] defaults to process.env.DATABASE_URL, then DEFAULT_DATABASE_URL
 * @param {{ quiet?: boolean, log?: (msg: string) => void }} [opts]
 */
export async function migrateDatabase(databaseUrl = process.env.DATABASE_URL, opts = {}) {
  const log = opts.log ?? ((m) => console.log(m));
  const db = resolveDatabaseUrl(databaseUrl);
  if (db.provider === 'sqlite') {
    mkdirSync(path.dirname(db.filePath), { recursive: true });
  } else {
    await ensurePostgresReachable(db.url);
  }
  const t0 = performance.now();
  const out = await runPrisma(
    ['migrate', 'deploy', '--config', configPath(db.provider)],
    { DATABASE_URL: db.url },
    opts.quiet ?? true,
  );
  const applied = /No pending migrations/i.test(out) ? 'no pending migrations' : 'migrations applied';
  log(
    `[database] ${db.provider} ${redactUrl(db.provider === 'sqlite' ? path.relative(REPO_ROOT, db.filePath) : db.url)}: ` +
      `${applied} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
  return { ...db, output: out };
}

/**
 * Everything `npm install` / `npm start` need: both clients generated, the database migrated.
 * @param {{ databaseUrl?: string, generate?: boolean, migrate?: boolean, force?: boolean, quiet?: boolean, log?: (msg: string) => void }} [opts]
 */
export async function ensureDatabase(opts = {}) {
  const { generate = true, migrate = true } = opts;
  // Fail on a bad DATABASE_URL before spending seconds on generation.
  if (migrate) resolveDatabaseUrl(opts.databaseUrl ?? process.env.DATABASE_URL);
  const result = /** @type {{ clients?: Awaited<ReturnType<typeof generateClients>>, database?: Awaited<ReturnType<typeof migrateDatabase>> }} */ ({});
  if (generate) result.clients = await generateClients(opts);
  if (migrate) result.database = await migrateDatabase(opts.databaseUrl ?? process.env.DATABASE_URL, opts);
  return result;
}

/** Lists migration folder names for a provider (used by tests). @param {'sqlite' | 'postgresql'} provider */
export function listMigrations(provider) {
  const dir = path.join(REPO_ROOT, 'prisma', provider, 'migrations');
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const args = new Set(process.argv.slice(2));
  const t0 = performance.now();
  try {
    await ensureDatabase({
      generate: !args.has('--migrate-only'),
      migrate: !args.has('--generate-only'),
      force: args.has('--force'),
      quiet: !args.has('--verbose'),
    });
    console.log(`[database] ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (err) {
    console.error(`[database] ${/** @type {Error} */ (err).message}`);
    process.exit(1);
  }
}
