// The relay's deadline (signalling/node-relay.ts): a room's node that does not answer a relayed
// request is given up before the page's own wait ends, so the page hears why and joins again, and
// whatever membership the silent node was making ends with the link. The room's node here is a bare
// socket.io endpoint and the browser's socket a stand-in (isolation: what is tested is the relay's
// timing and clean-up, not a room).
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { Server } from 'socket.io';
import { SIGNAL_REQUEST_TIMEOUT_MS } from '@bandmate/shared';
import { createLogger } from '../src/logger.ts';
import { NodeRelay, RELAYED_ANSWER_MS } from '../src/signalling/node-relay.ts';
import type { SignalSocket } from '../src/signalling/connection.ts';
import { waitFor } from './wait-for.ts';

const http = createServer();
const io = new Server(http);
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
after(() => new Promise<void>((resolve) => io.close(() => resolve())));

/** The room's node answers join after `joinAfterMs` (never when null) and never answers consume. */
let joinAfterMs: number | null = 0;
let connectAfterMs = 0;
let disconnects = 0;
io.use((_socket, next) => void setTimeout(next, connectAfterMs));
io.on('connection', (socket) => {
  socket.on('join', (_request: unknown, ack: (reply: unknown) => void) => {
    if (joinAfterMs !== null) setTimeout(() => ack({ ok: true, data: { peerId: 'p1' } }), joinAfterMs);
  });
  socket.on('consume', () => undefined);
  socket.on('disconnect', () => disconnects++);
});

function browser() {
  const events = new EventEmitter();
  const told: Array<{ event: string; payload: unknown }> = [];
  const socket = {
    handshake: { headers: {} },
    once: (event: string, listener: () => void) => events.once(event, listener),
    emit: (event: string, payload: unknown) => told.push({ event, payload }),
    conn: { close: () => events.emit('cut') },
  } as unknown as SignalSocket;
  const relay = new NodeRelay(socket, { nodeId: 'edge', address: '127.0.0.1', relayHeaders: () => ({}), logger: createLogger('silent') });
  return { relay, told };
}

test('a relayed request is answered before the page stops waiting', () => {
  assert.ok(RELAYED_ANSWER_MS <= SIGNAL_REQUEST_TIMEOUT_MS - 1000, `${RELAYED_ANSWER_MS} ms leaves the answer a second to reach the page`);
});

test('a join the room’s node does not answer: unavailable by the deadline, and the link that would have carried it closes', async () => {
  const { relay, told } = browser();
  joinAfterMs = null;
  connectAfterMs = 0;
  const before = disconnects;
  const started = Date.now();
  const deadline = started + 400;
  await relay.open(url, deadline);
  await assert.rejects(relay.request('join', {}, deadline), (err: { code?: string; message: string }) => err.code === 'unavailable' && /did not answer join in time/.test(err.message));
  const took = Date.now() - started;
  assert.ok(took >= 380 && took < 1500, `gave up at the deadline (${took} ms)`);
  assert.equal(relay.active, false, 'no longer relayed');
  await waitFor(() => disconnects === before + 1, 2000, 'the room’s node saw the link go (a late membership ends with it)');
  assert.deepEqual(told, [], 'the join’s error is the answer; nothing else is sent');
});

test('a page in the room whose request goes unanswered is told to join again, and its membership there ends', async () => {
  const { relay, told } = browser();
  joinAfterMs = 0;
  connectAfterMs = 0;
  await relay.open(url);
  await relay.request('join', {});
  let ended = 0;
  relay.onMembershipEnded = () => ended++;
  const before = disconnects;
  await assert.rejects(relay.request('consume', {}, Date.now() + 300), { code: 'unavailable' });
  assert.equal(ended, 1, 'what this node held for the membership goes');
  assert.deepEqual(told.map((t) => t.event), ['mediaRestart']);
  await waitFor(() => disconnects === before + 1, 2000, 'the room’s node saw the link go');
  await assert.rejects(relay.request('consume', {}), { code: 'unavailable' }, 'later requests are refused until the page joins again');
});

test('the handshake and the request share the page’s deadline', async () => {
  const { relay } = browser();
  connectAfterMs = 250;
  joinAfterMs = 250;
  const deadline = Date.now() + 400;
  await relay.open(url, deadline);
  // Each alone fits in 400 ms; both do not.
  await assert.rejects(relay.request('join', {}, deadline), { code: 'unavailable' });
  connectAfterMs = 0;
});
