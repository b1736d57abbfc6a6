// Property-based fuzzing of every signalling request (FUZZ_RUNS cases, 10,000 by default) against a
// real SFU: random payloads, valid messages with one part broken, valid ones, unknown events and
// calls without an acknowledgement, from a host in a room (transports and a producer open) and
// from a stranger. Every acknowledged call must come back in the shared error model, never as
// `internal` (a server fault), and the SFU must still serve a new room afterwards.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { ERROR_CODES, requests } from '@bandmate/shared';
import { ask, askOk, BrowserClient, connect, createRoom, HARNESS_DATABASES, joinRoom, opusRtpParameters, startHarness, type Harness } from './harness.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const REQUESTS = Object.keys(requests);

let h: Harness;
let host: Socket;
let stranger: Socket;
let guest: Socket;
let roomId: string;
/** Ids that exist in the room now, so broken messages reach past the schema into the handlers. */
const live = { transportId: '', recvTransportId: '', producerId: '', peerId: '', guestId: '', consumerId: '' };
let capabilities: unknown;

async function start(env: Record<string, string>): Promise<void> {
  // The limiter would answer most of the cases itself; it has its own tests (rate-limiter.test.ts).
  h = await startHarness({ SFU_EVENTS_PER_SECOND: '1000000', SFU_EVENT_BURST: '1000000', SFU_TRUST_PROXY: '1', ...env });
  roomId = (await createRoom(h.sfu, 'Fuzz')).id;
  host = await connect(h.sfu);
  stranger = await connect(h.sfu);
  await enter();
  guest = await connect(h.sfu);
  live.guestId = (await joinRoom(guest, roomId, 'Guest')).peerId;
}
async function stop(): Promise<void> {
  host.close();
  stranger.close();
  guest.close();
  await h.close();
}

/** (Re)joins the host and opens what it owns; the fuzz may have made it leave. */
async function enter(): Promise<void> {
  const caps = await askOk<{ routerRtpCapabilities: unknown }>(host, 'getRouterRtpCapabilities', { roomId });
  capabilities = caps.routerRtpCapabilities;
  const joined = await ask<{ peerId: string }>(host, 'join', { roomId, displayName: 'Fuzz host', role: 'musician', rtpCapabilities: capabilities });
  if (!joined.ok) return;
  live.peerId = joined.data.peerId;
  const send = await ask<{ id: string }>(host, 'createWebRtcTransport', { direction: 'send' });
  if (send.ok) live.transportId = send.data.id;
  const recv = await ask<{ id: string }>(host, 'createWebRtcTransport', { direction: 'recv' });
  if (recv.ok) live.recvTransportId = recv.data.id;
  const produced = await ask<{ producerId: string }>(host, 'produce', { transportId: live.transportId, kind: 'audio', rtpParameters: opusRtpParameters(777), source: 'mic' });
  if (produced.ok) live.producerId = produced.data.producerId;
}

/** A valid message of each request, with the room's live ids. */
function template(name: string): Record<string, unknown> {
  const dtls = { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AB:'.repeat(31) + 'AB' }] };
  const t: Record<string, Record<string, unknown>> = {
    getRouterRtpCapabilities: { roomId },
    join: { roomId, displayName: 'Again', role: 'musician', rtpCapabilities: capabilities },
    connectWebRtcTransport: { transportId: live.transportId, dtlsParameters: dtls },
    produce: { transportId: live.transportId, kind: 'audio', rtpParameters: opusRtpParameters(1234), source: 'mic' },
    createWebRtcTransport: { direction: 'recv' },
    closeProducer: { producerId: live.producerId },
    pauseProducer: { producerId: live.producerId },
    resumeProducer: { producerId: live.producerId },
    consume: { producerId: live.producerId },
    resumeConsumer: { consumerId: live.consumerId || live.producerId },
    addAiPlayer: { instrument: 'drums', volume: 1 },
    setAiPlayer: { playerId: 'p1', volume: 0.5 },
    removeAiPlayer: { playerId: 'p1' },
    muteParticipant: { peerId: live.guestId, muted: true },
    setParticipantRole: { peerId: live.guestId, role: 'musician' },
    removeParticipant: { peerId: live.guestId, reason: 'fuzz' },
    lockRoom: { locked: false },
    handOverHost: { peerId: live.peerId },
    clockSync: { t0: 12.5 },
    setTempo: { bpm: 120, beatsPerBar: 4 },
    sendChat: { body: 'hello' },
  };
  return structuredClone(t[name] ?? {});
}

const anyValue = fc.oneof(
  fc.anything({ maxDepth: 3, maxKeys: 6, withBigInt: false }),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(null, undefined, '', 0, -1, 1e308, Number.NaN, true, [], {}, '__proto__', 'a'.repeat(20_000)),
);

type Case =
  | { kind: 'random'; name: string; payload: unknown }
  | { kind: 'mutated'; name: string; field: number; how: 'replace' | 'delete' | 'extra' | 'nest'; value: unknown }
  | { kind: 'valid'; name: string }
  | { kind: 'unknown'; name: string; payload: unknown }
  | { kind: 'noAck'; name: string; args: unknown[] };

const caseArb: fc.Arbitrary<Case> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('random' as const), name: fc.constantFrom(...REQUESTS), payload: anyValue }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('mutated' as const),
      name: fc.constantFrom(...REQUESTS),
      field: fc.nat(8),
      how: fc.constantFrom('replace' as const, 'delete' as const, 'extra' as const, 'nest' as const),
      value: anyValue,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('valid' as const), name: fc.constantFrom(...REQUESTS.filter((n) => n !== 'leave')) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unknown' as const), name: fc.string({ minLength: 1, maxLength: 80 }), payload: anyValue }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('noAck' as const), name: fc.constantFrom(...REQUESTS), args: fc.array(anyValue, { maxLength: 3 }) }) },
);

function payloadOf(c: Case): unknown {
  if (c.kind === 'random' || c.kind === 'unknown') return c.payload;
  const message = template(c.name);
  if (c.kind === 'valid' || c.kind === 'noAck') return message;
  const keys = Object.keys(message);
  const key = keys.length ? keys[c.field % keys.length]! : 'x';
  if (c.how === 'replace') message[key] = c.value;
  else if (c.how === 'delete') delete message[key];
  else if (c.how === 'extra') message[`extra${c.field}`] = c.value;
  else message[key] = { inner: message[key], value: c.value };
  return message;
}

const RESERVED = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

for (const db of HARNESS_DATABASES) {
  describe(`signalling on ${db.name}`, { skip: db.skip }, () => {
    before(() => start(db.env));
    after(stop);
    test(`${RUNS} fuzzed signalling calls: each answered in the error model, none internal, the SFU serves on`, { timeout: 600_000 }, fuzz);
  });
}

async function fuzz(): Promise<void> {
  const codes = new Map<string, number>();
  let calls = 0;
  await fc.assert(
    fc.asyncProperty(caseArb, fc.boolean(), async (c, asStranger) => {
      const socket = asStranger ? stranger : host;
      if (c.kind === 'noAck') {
        if (!RESERVED.has(c.name)) socket.emit(c.name, ...c.args);
        return;
      }
      if (c.kind === 'unknown' && RESERVED.has(c.name)) return;
      const reply = await ask(socket, c.name, payloadOf(c));
      calls++;
      const code = reply.ok ? 'ok' : reply.error.code;
      codes.set(code, (codes.get(code) ?? 0) + 1);
      if (!reply.ok) {
        assert.ok((ERROR_CODES as readonly string[]).includes(reply.error.code), `unknown code ${reply.error.code}`);
        assert.equal(typeof reply.error.message, 'string');
        assert.notEqual(reply.error.code, 'internal', `${c.name}: ${reply.error.message}`);
      }
      // What a valid call changed: keep the host in the room with its transports, for the cases after.
      if (!asStranger && (c.name === 'leave' || c.name === 'closeProducer' || !live.producerId) && reply.ok) await enter();
      if (!asStranger && c.name === 'consume' && reply.ok) live.consumerId = (reply.data as { consumerId: string }).consumerId;
    }),
    { numRuns: RUNS, endOnFailure: true, includeErrorInReport: true },
  );
  console.log(`# ${calls} acknowledged calls; answers: ${[...codes].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  assert.ok(calls > RUNS * 0.8, 'most cases reached the server with an acknowledgement');
  assert.ok((codes.get('ok') ?? 0) > 0 && (codes.get('bad_request') ?? 0) > RUNS / 4, 'both valid and refused calls were made');

  // Still serving: both fuzzing sockets are connected, and a newcomer (from another address: the
  // fuzz used up loopback's joins per minute) opens and joins a new room.
  assert.ok(host.connected && stranger.connected);
  const newcomer = new BrowserClient(h.sfu, '198.51.100.7');
  const { id } = await createRoom(h.sfu, 'After the fuzz');
  const { reply } = await newcomer.join(id, { name: 'Newcomer' });
  assert.ok(reply.ok, JSON.stringify(reply));
  newcomer.close();
}
