import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// @ts-expect-error plain ESM script without types
import { freePort } from '../../../scripts/lib/processes.mjs';
import assert from 'node:assert/strict';
import { io, type Socket } from 'socket.io-client';
import type { Ack, AiPlayer, AiRoomState } from '@bandmate/shared';
import { SESSION_COOKIE } from '../src/auth/sessions.ts';
import { mailsTo, nextMail } from './outbox.ts';
import { loadConfig } from '../src/config.ts';
import { after, before } from 'node:test';
import { openDatabase, type BandmateDatabase } from '../src/db/index.ts';
import { createLogger } from '../src/logger.ts';
import { startSfu, type RunningSfu } from '../src/server.ts';
// @ts-expect-error plain ESM script without types
import { migrateDatabase } from '../../../scripts/install/database.mjs';

export interface Harness {
  sfu: RunningSfu & { mailOutbox?: string };
  /** The database the SFU runs on, for tests that check what it stored. */
  databaseUrl: string;
  /** A signalling client of this SFU; closed with the harness. */
  client(): Promise<Socket>;
  /** A browser (cookie jar, API calls, signalling) of this SFU; its sockets close with the harness. */
  browser(): BrowserClient;
  close(): Promise<void>;
}

/**
 * A real SFU (real mediasoup worker, real SQLite file) on an ephemeral port. `env.DATABASE_URL`
 * (or TEST_DATABASE_URL) puts it on another database, PostgreSQL included.
 */
export async function startHarness(env: Record<string, string> = {}, options: { migrate?: boolean } = {}): Promise<Harness> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-sfu-'));
  const url = env.DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? `file:${path.join(dir, 'test.db')}`;
  // A second SFU on a database another one has open (SQLite): migrated by the first.
  if (options.migrate !== false) await migrateDatabase(url, { quiet: true, log: () => {} });
  const db = await openDatabase(url);
  const config = loadConfig({
    SFU_PORT: '0',
    SFU_HOST: '127.0.0.1',
    SFU_WORKERS: '1',
    SFU_RTC_LISTEN_IP: '127.0.0.1',
    SFU_ANNOUNCED_ADDRESS: '127.0.0.1',
    LOG_LEVEL: 'silent',
    SFU_MAIL_OUTBOX: path.join(dir, 'outbox'),
    DATABASE_URL: url,
    // The SFU's own files in the test's folder, never the repo's data/ (on PostgreSQL too).
    INVITE_SECRET_FILE: path.join(dir, 'invite-secret'),
    RECORDINGS_DIR: path.join(dir, 'recordings'),
    ...env,
  });
  const running = await startSfu(config, db, createLogger(process.env.SFU_TEST_LOG ?? 'silent')); // SFU_TEST_LOG=debug: the servers' logs while a test is looked into
  const sfu = Object.assign(running, { mailOutbox: config.mail.smtpUrl ? undefined : config.mail.outbox });
  const clients: Socket[] = [];
  const browsers: BrowserClient[] = [];
  return {
    sfu,
    databaseUrl: url,
    async client() {
      const socket = await connect(sfu);
      clients.push(socket);
      return socket;
    },
    browser() {
      const browser = new BrowserClient(sfu);
      browsers.push(browser);
      return browser;
    },
    async close() {
      for (const socket of clients) socket.close();
      for (const browser of browsers) browser.close();
      await sfu.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Where the SFU listens (a RunningSfu of this process, or one started elsewhere) and, when it
 * keeps its mail in an outbox folder, where (for sign-up links).
 */
export type SfuAddress = Pick<RunningSfu, 'url'> & { mailOutbox?: string };

/** 'ok', or the code of the refusal. */
export const replyCode = (reply: Ack<unknown>): string => (reply.ok ? 'ok' : reply.error.code);

export async function createRoom(sfu: SfuAddress, name = 'Test room'): Promise<{ id: string }> {
  const res = await fetch(`${sfu.url}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  if (res.status !== 201) throw new Error(`createRoom failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string };
}

export async function connect(sfu: SfuAddress): Promise<Socket> {
  const socket = io(sfu.url, { transports: ['websocket'], reconnection: false, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

export async function ask<T = unknown>(socket: Socket, event: string, payload: unknown): Promise<Ack<T>> {
  return (await socket.timeout(5000).emitWithAck(event, payload)) as Ack<T>;
}

export async function askOk<T = Record<string, unknown>>(socket: Socket, event: string, payload: unknown): Promise<T> {
  const reply = await ask<T>(socket, event, payload);
  if (!reply.ok) throw new Error(`${event} failed: ${reply.error.code} ${reply.error.message}`);
  return reply.data;
}

export function nextEvent<T = unknown>(socket: Socket, event: string, timeoutMs = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    socket.once(event, (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

/** Joins as a peer whose capabilities are the router's own (what a browser would offer). */
export async function joinRoom(socket: Socket, roomId: string, displayName: string, role = 'musician') {
  const { routerRtpCapabilities } = await askOk<{ routerRtpCapabilities: unknown }>(socket, 'getRouterRtpCapabilities', {
    roomId,
  });
  return askOk<{ peerId: string; peers: unknown[]; producers: unknown[]; roomName: string }>(socket, 'join', {
    roomId,
    displayName,
    role,
    rtpCapabilities: routerRtpCapabilities,
  });
}

/** What a browser's send transport hands to `produce` for stereo 10 ms Opus. */
export function opusRtpParameters(ssrc: number) {
  return {
    mid: '0',
    codecs: [
      {
        mimeType: 'audio/opus',
        payloadType: 111,
        clockRate: 48000,
        channels: 2,
        parameters: { minptime: 10, useinbandfec: 0, usedtx: 0, stereo: 1, 'sprop-stereo': 1, ptime: 10 },
        rtcpFeedback: [],
      },
    ],
    headerExtensions: [],
    encodings: [{ ssrc }],
    rtcp: { cname: 'test' },
  };
}

/**
 * One browser: a cookie jar, the HTTP API and signalling sockets that carry the cookie. With an
 * `address`, it is that client behind the SFU's trusted proxy (X-Forwarded-For; SFU_TRUST_PROXY=1).
 */
export class BrowserClient {
  cookie: string | undefined;
  private readonly sockets: Socket[] = [];

  constructor(
    private readonly sfu: SfuAddress,
    private readonly address?: string,
  ) {}

  private get forwardedFor(): Record<string, string> {
    return this.address ? { 'x-forwarded-for': this.address } : {};
  }

  async api<T = Record<string, any>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T; headers: Headers }> {
    const res = await fetch(`${this.sfu.url}${path}`, {
      method,
      headers: {
        // What a browser on the web app sends (the SFU refuses cookie-carrying writes without it).
        origin: 'http://localhost:3000',
        ...this.forwardedFor,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.cookie ? { cookie: `${SESSION_COOKIE}=${this.cookie}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    for (const set of res.headers.getSetCookie()) {
      const m = new RegExp(`^${SESSION_COOKIE}=([^;]*)`).exec(set);
      if (!m) continue;
      this.cookie = /Max-Age=0/.test(set) ? undefined : m[1];
    }
    return { status: res.status, body: (await res.json()) as T, headers: res.headers };
  }

  /**
   * Sign-up as a person does it: ask (202, a mail goes out), open the mail's link and type the
   * password again. The answer of the last step ({ user, next } and the cookie), or of the first
   * when it was refused.
   */
  async signUp(body: { email: string; password: string; displayName: string; next?: string }) {
    const outbox = this.sfu.mailOutbox;
    if (!outbox) throw new Error('this SFU sends real mail; signUp() reads the outbox folder');
    const to = body.email.trim().toLowerCase();
    const before = (await mailsTo(outbox, to)).length;
    const asked = await this.api('POST', '/api/auth/signup', body);
    if (asked.status !== 202) return asked;
    const mail = await nextMail(outbox, to, before);
    const token = mail.link && new URL(mail.link).searchParams.get('token');
    if (!token) throw new Error(`the mail to ${to} has no sign-up link: ${mail.subject}`);
    return this.api('POST', '/api/auth/signup/finish', { token, password: body.password });
  }

  async socket(): Promise<Socket> {
    const socket = io(this.sfu.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      extraHeaders: { ...this.forwardedFor, ...(this.cookie ? { cookie: `${SESSION_COOKIE}=${this.cookie}` } : {}) },
    });
    this.sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    return socket;
  }

  /** A join with the router's own capabilities (what a browser would offer); the raw answer. */
  async join(roomId: string, options: { name?: string; role?: 'musician' | 'listener'; invite?: string } = {}) {
    const socket = await this.socket();
    const caps = await ask<{ routerRtpCapabilities: unknown }>(socket, 'getRouterRtpCapabilities', { roomId });
    assert.ok(caps.ok, `capabilities of ${roomId}`);
    const reply = await ask<{ peerId: string; roomName: string }>(socket, 'join', {
      roomId,
      displayName: options.name ?? 'Someone',
      role: options.role ?? 'musician',
      rtpCapabilities: caps.data.routerRtpCapabilities,
      ...(options.invite ? { invite: options.invite } : {}),
    });
    return { socket, reply };
  }

  close() {
    for (const s of this.sockets) s.close();
  }
}

export { waitFor } from './wait-for.ts';

/**
 * The databases a suite can run the whole SFU on: SQLite always, PostgreSQL at TEST_DATABASE_URL_PG
 * (`npm run test:unit` starts a throwaway server; skipped when there is none).
 */
export const HARNESS_DATABASES: Array<{ name: string; env: Record<string, string>; skip: string | false }> = [
  { name: 'SQLite', env: {}, skip: false },
  {
    name: 'PostgreSQL',
    env: process.env.TEST_DATABASE_URL_PG ? { DATABASE_URL: process.env.TEST_DATABASE_URL_PG } : {},
    skip: process.env.TEST_DATABASE_URL_PG ? false : 'TEST_DATABASE_URL_PG is not set',
  },
];

/**
 * Inside a `describe` for one of HARNESS_DATABASES: that database migrated before the suite's tests
 * (SQLite: at `sqliteFile`) and a client on it, closed after them. For suites that start SFU
 * processes of their own on it.
 */
export function suiteDatabase(database: (typeof HARNESS_DATABASES)[number], sqliteFile: string): { url: () => string; db: () => BandmateDatabase } {
  let url: string;
  let db: BandmateDatabase | undefined;
  before(async () => {
    url = database.env.DATABASE_URL ?? `file:${sqliteFile}`;
    await migrateDatabase(url, { quiet: true, log: () => {} });
    db = await openDatabase(url);
  });
  after(() => db?.close());
  return { url: () => url, db: () => db! };
}

/** The room's AI state once `check` holds for it (from the room's `aiState` announcements). */
export async function untilAiRoomState(socket: Socket, check: (s: AiRoomState) => boolean, timeoutMs = 8000): Promise<AiRoomState> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = await nextEvent<AiRoomState>(socket, 'aiState', Math.max(1, end - Date.now()));
    if (check(s)) return s;
  }
}

/** Waits for the room's first AI player to reach `state`. */
export async function untilAiState(socket: Socket, state: AiPlayer['state'], timeoutMs = 8000): Promise<AiPlayer> {
  const s = await untilAiRoomState(socket, (r) => r.players[0]?.state === state, timeoutMs);
  return s.players[0]!;
}

/** A TCP port free on loopback now (for a server that must come back on the same port). */
export { freePort };
