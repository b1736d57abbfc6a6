// The platform under attack: an SFU started as its own process on loopback, on a temporary SQLite
// database, and what an attack needs to reach it (browsers from made-up client addresses).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { BrowserClient, freePort } from '../test/harness.ts';
// @ts-expect-error plain ESM script without types
import { migrateDatabase } from '../../../scripts/install/database.mjs';
// @ts-expect-error plain ESM script without types
import { startProcess, waitForHttp } from '../../../scripts/lib/processes.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * Settings of the SFU under attack: the defaults, except where an attack would otherwise take
 * minutes (the sign-in delay, the per-address sign-in limit, the lobby's size). It runs behind a
 * "trusted proxy" (SFU_TRUST_PROXY=1), so one attacking process can be many client addresses.
 */
export const ATTACK_SETTINGS = {
  SFU_TRUST_PROXY: '1',
  SFU_SIGNIN_DELAY_MS: '20',
  SFU_LIMIT_AUTH_IP: '20/20',
  SFU_LOBBY_MAX_ROOMS: '20',
  RECORDINGS_MIN_FREE_MB: '0',
} as const;

export interface Target {
  url: string;
  /** Where the SFU keeps the mail it sends (sign-up links). */
  mailOutbox: string;
  /** A browser (cookie jar, API, signalling) at a client address of its own. */
  browser(address?: string): BrowserClient;
  /** A fresh client address (198.18.0.0/15, the benchmarking range), never used before. */
  address(): string;
  /** A raw signalling connection: 'connected' (kept open until `forget`), or the refusal's code. */
  handshake(path: string, options: { headers?: Record<string, string>; auth?: Record<string, unknown> }): Promise<string>;
  /** Closes the browsers and connections of the last attack. */
  forget(): void;
  stop(): Promise<void>;
}

export async function startTarget(): Promise<Target> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-attack-'));
  const databaseUrl = `file:${path.join(dir, 'attack.db')}`;
  await migrateDatabase(databaseUrl, { quiet: true, log: () => {} });
  const port = await freePort();
  const sfu = startProcess('sfu', process.execPath, ['--import', 'tsx', 'apps/sfu/src/main.ts'], {
    cwd: ROOT,
    quiet: true,
    env: {
      ...ATTACK_SETTINGS,
      DATABASE_URL: databaseUrl,
      RECORDINGS_DIR: path.join(dir, 'recordings'),
      SFU_MAIL_OUTBOX: path.join(dir, 'outbox'),
      SFU_PORT: String(port),
      SFU_HOST: '127.0.0.1',
      SFU_WORKERS: '1',
      SFU_RTC_LISTEN_IP: '127.0.0.1',
      SFU_ANNOUNCED_ADDRESS: '127.0.0.1',
      // The real worker's secret exists; the attacker does not have it.
      AGENT_SECRET: randomBytes(32).toString('base64url'),
      LOG_LEVEL: 'warn',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/health`, { proc: sfu, timeoutMs: 30_000 });
  } catch (err) {
    await sfu.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  let browsers: BrowserClient[] = [];
  let sockets: Socket[] = [];
  let next = 0;
  const forget = () => {
    for (const b of browsers) b.close();
    for (const s of sockets) s.close();
    browsers = [];
    sockets = [];
  };
  const mailOutbox = path.join(dir, 'outbox');
  return {
    url,
    mailOutbox,
    browser(address) {
      const browser = new BrowserClient({ url, mailOutbox }, address);
      browsers.push(browser);
      return browser;
    },
    address() {
      next++;
      return `198.18.${next >> 8}.${next & 255}`;
    },
    handshake(socketPath, options) {
      const socket = io(`${url}${socketPath}`, {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        extraHeaders: options.headers ?? {},
        auth: options.auth ?? {},
      });
      sockets.push(socket);
      return new Promise((resolve) => {
        socket.once('connect', () => resolve('connected'));
        socket.once('connect_error', (err: Error & { data?: { code?: string } }) => resolve(err.data?.code ?? 'refused'));
      });
    },
    forget,
    async stop() {
      forget();
      await sfu.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One row of the README's Security table replayed: `run` throws (an AssertionError saying what got
 * through) when the platform does not refuse or clean as the table says, and otherwise returns what
 * happened. A row that is still open has `open` (why) instead.
 */
export interface Attack {
  row: string;
  what: string;
  run?: (target: Target) => Promise<string>;
  open?: string;
}

/** A signed-up account's browser at an address of its own. */
export async function signedUp(target: Target, name: string, address = target.address()): Promise<{ browser: BrowserClient; id: string; email: string }> {
  const browser = target.browser(address);
  const email = `${name.toLowerCase()}-${randomBytes(4).toString('hex')}@example.com`;
  const res = await browser.signUp({ email, password: 'a long and fine password', displayName: name });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { browser, id: (res.body.user as { id: string }).id, email };
}
