// A connection joins one room at a time, and a join still under way when the browser goes away
// leaves nothing behind (issue 12: ghost peers kept the room open and their seat taken).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { askOk, connect, createRoom, replyCode, startHarness, type Harness } from './harness.ts';
import type { Ack } from '@bandmate/shared';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

const peersIn = (roomId: string) => h.sfu.registry.get(roomId)?.peers.size ?? 0;

test('two overlapping joins on one connection: one gets in, the other is told already_joined, one peer', async () => {
  const room = await createRoom(h.sfu, 'Overlap');
  const socket = await h.client();
  const { routerRtpCapabilities } = await askOk<{ routerRtpCapabilities: unknown }>(socket, 'getRouterRtpCapabilities', { roomId: room.id });
  const join = (name: string) =>
    socket.timeout(5000).emitWithAck('join', { roomId: room.id, displayName: name, role: 'listener', rtpCapabilities: routerRtpCapabilities }) as Promise<Ack<unknown>>;
  const replies = await Promise.all([join('First'), join('Second')]);
  assert.deepEqual(replies.map(replyCode).sort(), ['already_joined', 'ok']);
  assert.equal(peersIn(room.id), 1);
});

test('a browser that disconnects while its join is under way leaves no peer and no open room', async () => {
  // The join's awaits (admission, opening the room) take a few ms: disconnects at 0–30 ms land in them.
  for (const [i, delayMs] of [0, 1, 2, 4, 6, 8, 12, 16, 24, 30].entries()) {
    const room = await createRoom(h.sfu, `Ghost ${i}`);
    const socket = await connect(h.sfu);
    const { routerRtpCapabilities } = await askOk<{ routerRtpCapabilities: unknown }>(socket, 'getRouterRtpCapabilities', { roomId: room.id });
    socket.emit('join', { roomId: room.id, displayName: 'Gone', role: 'listener', rtpCapabilities: routerRtpCapabilities }, () => {});
    await new Promise((r) => setTimeout(r, delayMs));
    socket.disconnect();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(peersIn(room.id), 0, `disconnect after ${delayMs} ms: a ghost peer stayed in the room`);
    assert.equal(h.sfu.registry.get(room.id), undefined, `disconnect after ${delayMs} ms: the room stayed open for nobody`);
  }
});
