#!/usr/bin/env node
// Throwaway PostgreSQL cluster for tests: initdb + pg_ctl in a temp dir, listening on 127.0.0.1 on a
// free port, stopped and deleted on exit. As root, the server runs as an unprivileged user
// (PG_TEST_USER, default `nobody`) via runuser; PostgreSQL refuses to run as root.
//
// CLI:
//   node scripts/test/postgres.mjs                 # start, print the URL, stop+delete on Ctrl-C/SIGTERM
//   node scripts/test/postgres.mjs -- <cmd> [args] # start, run cmd with TEST_DATABASE_URL_PG and
//                                                  # DATABASE_URL set, then stop+delete; exits with cmd's code
//   e.g. node scripts/test/postgres.mjs -- node --import tsx --test prisma/test/db.test.ts
//
// Module: const pg = await startPostgres(); pg.url …; await stopPostgres(pg)  (or pg.stop()).
//         pg.pause() / pg.resume(): the server down and up again on the same port and data (a
//         database outage, for fault tests); pg.freeze() / pg.thaw(): every process of the server
//         stopped and continued (SIGSTOP/SIGCONT), so it hangs as one cut off by the network does.
// Binaries: PG_BIN (a directory) or initdb/pg_ctl on PATH or /usr/lib/postgresql/<newest>/bin.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * @typedef {object} PostgresHandle
 * @property {string} url        postgresql://postgres:<pw>@127.0.0.1:<port>/<database>
 * @property {string} adminUrl   same server, database `postgres`
 * @property {number} port
 * @property {string} database
 * @property {string} dir        temp dir holding data/, the socket and the log
 * @property {() => Promise<void>} stop  stops the server and deletes dir (idempotent)
 * @property {() => Promise<void>} pause  stops the server as an outage does (pg_ctl stop -m fast: open
 *   connections are cut), keeping its data
 * @property {() => Promise<void>} resume starts it again after pause, on the same port; resolves once it accepts connections
 * @property {() => void} freeze  stops every process of the server (SIGSTOP): connections stay open and nothing answers
 * @property {() => void} thaw    continues them (SIGCONT)
 */

/** @type {Set<PostgresHandle & { stopSync: () => void }>} */
const running = new Set();
let exitHookInstalled = false;

function findBinDir() {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  const onPath = which.status === 0 ? which.stdout.trim() : '';
  if (onPath) return path.dirname(onPath);
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => existsSync(path.join(base, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return path.join(base, versions[0], 'bin');
  }
  throw new Error('PostgreSQL binaries not found: install postgresql (initdb, pg_ctl) or set PG_BIN.');
}

/** @returns {Promise<number>} */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The unprivileged account to run PostgreSQL as when we are root. */
function runAsUser() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const name = process.env.PG_TEST_USER || 'nobody';
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) throw new Error(`User ${name} not found (set PG_TEST_USER).`);
  if (spawnSync('sh', ['-c', 'command -v runuser'], { encoding: 'utf8' }).status !== 0) {
    throw new Error('Running as root needs runuser (util-linux) to start PostgreSQL as a non-root user.');
  }
  return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * Runs a PostgreSQL binary (as the unprivileged user when root). Rejects with its output on failure.
 * @param {{ name: string } | null} user @param {string} bin @param {string[]} args @param {string} cwd
 */
function runPg(user, bin, args, cwd) {
  const [cmd, argv] = user ? ['runuser', ['-u', user.name, '--', bin, ...args]] : [bin, args];
  return new Promise((resolve, reject) => {
    // stdout/stderr go to pipes that we read to the end; pg_ctl start's server logs to a file.
    const child = spawn(cmd, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${path.basename(bin)} ${args[0] ?? ''} failed (exit ${code}):\n${out}`)),
    );
  });
}

async function loadPg() {
  const require = createRequire(path.join(REPO_ROOT, 'apps', 'sfu', 'package.json'));
  const mod = await import(pathToFileURL(require.resolve('pg')).href);
  return /** @type {typeof import('pg')} */ (mod.default ?? mod);
}

/**
 * Starts a throwaway cluster. Resolves once it accepts connections and `database` exists.
 * @param {{ database?: string, log?: (msg: string) => void }} [opts]
 * @returns {Promise<PostgresHandle>}
 */
export async function startPostgres(opts = {}) {
  const database = opts.database ?? 'bandmate_test';
  const log = opts.log ?? (() => {});
  const t0 = performance.now();
  const binDir = findBinDir();
  const user = runAsUser();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-pg-'));
  const dataDir = path.join(dir, 'data');
  const password = randomBytes(12).toString('hex');
  const pwFile = path.join(dir, 'pwfile');
  writeFileSync(pwFile, password + '\n', { mode: 0o600 });
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(pwFile, user.uid, user.gid);
  }

  let started = false;
  /** The options it was started with (its port among them), for resume. */
  let serverOpts = '';
  const pgCtl = path.join(binDir, 'pg_ctl');
  const logFile = path.join(dir, 'postgres.log');
  const stopSync = () => {
    if (started) {
      // A frozen server (freeze) would not hear pg_ctl.
      try {
        signalServer(dataDir, 'SIGCONT');
      } catch {}
      const args = ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '20'];
      const [cmd, argv] = user ? ['runuser', ['-u', user.name, '--', path.join(binDir, 'pg_ctl'), ...args]] : [path.join(binDir, 'pg_ctl'), args];
      spawnSync(cmd, argv, { cwd: os.tmpdir(), stdio: 'ignore' });
      started = false;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  /** @type {PostgresHandle & { stopSync: () => void }} */
  const handle = {
    url: '',
    adminUrl: '',
    port: 0,
    database,
    dir,
    stopSync,
    stop: async () => {
      if (!running.has(handle)) return;
      running.delete(handle);
      stopSync();
      log(`[postgres] stopped, ${dir} deleted`);
    },
    pause: async () => {
      if (!started) return;
      await runPg(user, pgCtl, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '20'], dir);
      started = false;
    },
    resume: async () => {
      if (started || !running.has(handle)) return;
      await runPg(user, pgCtl, ['start', '-D', dataDir, '-w', '-t', '60', '-l', logFile, '-o', serverOpts], dir);
      started = true;
    },
    freeze: () => signalServer(dataDir, 'SIGSTOP'),
    thaw: () => signalServer(dataDir, 'SIGCONT'),
  };
  running.add(handle);
  installExitHook();

  try {
    await runPg(
      user,
      path.join(binDir, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '--pwfile', pwFile, '--auth-local=trust', '--auth-host=scram-sha-256',
        '-E', 'UTF8', '--locale=C', '--no-sync'],
      dir,
    );
    let lastErr;
    for (let attempt = 0; attempt < 3 && !started; attempt++) {
      const port = await freePort();
      serverOpts = [
        `-p ${port}`,
        "-c listen_addresses='127.0.0.1'",
        `-c unix_socket_directories='${dir}'`,
        '-c fsync=off -c synchronous_commit=off -c full_page_writes=off',
        '-c max_connections=50 -c shared_buffers=32MB',
      ].join(' ');
      try {
        await runPg(user, pgCtl, ['start', '-D', dataDir, '-w', '-t', '60', '-l', logFile, '-o', serverOpts], dir);
        started = true;
        handle.port = port;
      } catch (err) {
        lastErr = err;
        // Port taken between freePort() and bind: try another one.
        const logText = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
        if (!/could not bind|Address already in use/i.test(logText + String(err))) throw err;
      }
    }
    if (!started) throw lastErr;

    const base = `postgresql://postgres:${password}@127.0.0.1:${handle.port}`;
    handle.adminUrl = `${base}/postgres`;
    handle.url = `${base}/${database}`;
    const pg = await loadPg();
    const admin = new pg.Client({ connectionString: handle.adminUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    } finally {
      await admin.end();
    }
    log(`[postgres] ready on 127.0.0.1:${handle.port} in ${((performance.now() - t0) / 1000).toFixed(1)} s (${dir})`);
    return handle;
  } catch (err) {
    await handle.stop();
    throw err;
  }
}

/**
 * Sends `signal` to this cluster's postmaster and its children (the backends and helpers), found
 * from its postmaster.pid: never to another cluster's.
 * @param {string} dataDir @param {NodeJS.Signals} signal
 */
function signalServer(dataDir, signal) {
  const postmaster = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const found = spawnSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' });
  if (found.error) throw new Error(`finding the server's processes needs pgrep (procps): ${found.error.message}`);
  const children = found.stdout.split('\n').filter(Boolean).map(Number);
  for (const pid of [postmaster, ...children]) process.kill(pid, signal);
}

/** Stops a cluster started by startPostgres and deletes its directory. @param {PostgresHandle} handle */
export async function stopPostgres(handle) {
  await handle.stop();
}

/** Stops every cluster this process started (also run automatically on exit). */
export async function stopAllPostgres() {
  for (const h of [...running]) await h.stop();
}

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const stopAllSync = () => {
    for (const h of running) h.stopSync();
    running.clear();
  };
  process.on('exit', stopAllSync);
  // A signal's default action skips 'exit' handlers: stop the clusters, then, if nobody else
  // handles the signal, re-raise it so the process still dies the usual way.
  for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
    process.once(sig, () => {
      stopAllSync();
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    });
  }
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const sep = process.argv.indexOf('--');
  const cmd = sep >= 0 ? process.argv.slice(sep + 1) : [];
  const log = (/** @type {string} */ m) => console.error(m);
  let pg;
  try {
    pg = await startPostgres({ log });
  } catch (err) {
    console.error(`[postgres] could not start a throwaway cluster: ${/** @type {Error} */ (err).message}`);
    process.exit(1);
  }
  const onSignal = (/** @type {NodeJS.Signals} */ sig) => {
    void pg.stop().then(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  if (cmd.length === 0) {
    console.log(pg.url);
    log('[postgres] running; Ctrl-C or SIGTERM stops it and deletes its files.');
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    setInterval(() => {}, 1 << 30);
  } else {
    const [file, ...rest] = /** @type {[string, ...string[]]} */ (cmd);
    const child = spawn(file, rest, {
      stdio: 'inherit',
      env: { ...process.env, TEST_DATABASE_URL_PG: pg.url, DATABASE_URL: pg.url },
    });
    process.on('SIGINT', () => child.kill('SIGINT'));
    process.on('SIGTERM', () => child.kill('SIGTERM'));
    child.on('close', async (code, signal) => {
      await pg.stop();
      process.exit(code ?? (signal ? 1 : 0));
    });
  }
}
