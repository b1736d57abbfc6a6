import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import type { Ack } from '@bandmate/shared';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/index.ts';
import { createLogger } from '../src/logger.ts';
import { startSfu, type RunningSfu } from '../src/server.ts';
// @ts-expect-error plain ESM script without types
import { migrateDatabase } from '../../../scripts/install/database.mjs';

export interface Harness {
  sfu: RunningSfu;
  /** The database the SFU runs on, for tests that check what it stored. */
  databaseUrl: string;
  /** A signalling client of this SFU; closed with the harness. */
  client(): Promise<Socket>;
  close(): Promise<void>;
}

/** A real SFU (real mediasoup worker, real SQLite file) on an ephemeral port. */
export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-sfu-'));
  const url = process.env.TEST_DATABASE_URL ?? `file:${path.join(dir, 'test.db')}`;
  await migrateDatabase(url, { quiet: true, log: () => {} });
  const db = await openDatabase(url);
  const config = loadConfig({
    SFU_PORT: '0',
    SFU_HOST: '127.0.0.1',
    SFU_WORKERS: '1',
    SFU_RTC_LISTEN_IP: '127.0.0.1',
    SFU_ANNOUNCED_ADDRESS: '127.0.0.1',
    LOG_LEVEL: 'silent',
    // Also places a generated invite secret next to the test database, not in the repo's data/.
    DATABASE_URL: url,
    ...env,
  });
  const sfu = await startSfu(config, db, createLogger('silent'));
  const clients: Socket[] = [];
  return {
    sfu,
    databaseUrl: url,
    async client() {
      const socket = await connect(sfu);
      clients.push(socket);
      return socket;
    },
    async close() {
      for (const socket of clients) socket.close();
      await sfu.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function createRoom(sfu: RunningSfu, name = 'Test room'): Promise<{ id: string }> {
  const res = await fetch(`${sfu.url}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  if (res.status !== 201) throw new Error(`createRoom failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string };
}

export async function connect(sfu: RunningSfu): Promise<Socket> {
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
