// One client address opening signalling connection after connection (each can hold a send and a
// receive transport, four media ports) must not exhaust the SFU for everyone else.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import { ask, createRoom, joinRoom, startHarness, type Harness } from './harness.ts';

let h: Harness;
const sockets: Socket[] = [];
before(async () => {
  // Behind a proxy of our own, so that the test can be more than one address.
  h = await startHarness({ SFU_MAX_CONNECTIONS_PER_IP: '3', SFU_TRUST_PROXY: '1' });
});
after(async () => {
  for (const s of sockets) s.close();
  await new Promise((r) => setTimeout(r, 300));
  await h.close();
});

/** 'connected', or the code of the refusal. */
function open(address: string): Promise<{ outcome: string; socket: Socket }> {
  const socket = io(h.sfu.url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { 'x-forwarded-for': address } });
  sockets.push(socket);
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ outcome: 'connected', socket }));
    socket.once('connect_error', (err: Error & { data?: { code?: string } }) => resolve({ outcome: err.data?.code ?? err.message, socket }));
  });
}

test('connections per address are capped; other addresses and closed connections are not counted', async () => {
  const { id } = await createRoom(h.sfu, 'Crowded');
  const flood = [];
  for (let i = 0; i < 5; i++) flood.push(await open('203.0.113.66'));
  assert.deepEqual(flood.map((f) => f.outcome), ['connected', 'connected', 'connected', 'rate_limited', 'rate_limited']);
  // Those in do get their transports; nobody else is starved.
  for (const f of flood.filter((f) => f.outcome === 'connected')) {
    await joinRoom(f.socket, id, 'Flood');
    for (const direction of ['send', 'recv']) assert.ok((await ask(f.socket, 'createWebRtcTransport', { direction })).ok);
  }
  const other = await open('198.51.100.2');
  assert.equal(other.outcome, 'connected');
  await joinRoom(other.socket, id, 'Real user');
  assert.ok((await ask(other.socket, 'createWebRtcTransport', { direction: 'recv' })).ok);

  // A closed connection frees its place.
  flood[0]!.socket.close();
  await new Promise((r) => setTimeout(r, 200));
  assert.equal((await open('203.0.113.66')).outcome, 'connected');
});
