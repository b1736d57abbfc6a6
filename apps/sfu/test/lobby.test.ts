// The lobby lists public rooms to everyone: bounded, and empty rooms nobody used drop out of it
// instead of staying listed forever.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ask, connect, createRoom, joinRoom, startHarness, type Harness } from './harness.ts';

let h: Harness;
before(async () => {
  // 0.02 min = 1.2 s: how long an empty room stays listed, short enough to wait for here.
  h = await startHarness({ SFU_LOBBY_MAX_ROOMS: '5', SFU_LOBBY_IDLE_MINUTES: '0.02' });
});
after(async () => {
  await new Promise((r) => setTimeout(r, 300));
  await h.close();
});

const lobby = async () => ((await (await fetch(`${h.sfu.url}/api/rooms`)).json()) as { rooms: Array<{ id: string }> }).rooms.map((r) => r.id);

test('at most SFU_LOBBY_MAX_ROOMS rooms, the newest; an empty room leaves the list after the idle time, an occupied one stays', async () => {
  const made: string[] = [];
  for (let i = 0; i < 8; i++) {
    made.push((await createRoom(h.sfu, `Room ${i}`)).id);
    await new Promise((r) => setTimeout(r, 5)); // distinct creation times: "newest" is well defined
  }
  const listed = await lobby();
  assert.equal(listed.length, 5);
  assert.deepEqual(new Set(listed), new Set(made.slice(3)), 'the newest five');

  const socket = await connect(h.sfu);
  await joinRoom(socket, made[7]!, 'Still here');
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(await lobby(), [made[7]], 'only the room with someone in it');
  await ask(socket, 'leave', {});
  socket.close();
});
