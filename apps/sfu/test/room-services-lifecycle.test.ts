// The services of a live room (the demo band, AI players, the metronome's listeners) end with the
// room, and the inference worker comes back by itself when the SFU drops it: a real SFU, a real
// worker process class (AgentClient) with a fixture model, real Opus RTP.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AiRoomState } from '@bandmate/shared';
import { startFixtureWorker, type FixtureWorker } from './fixture-worker.ts';
import { askOk, connect, joinRoom, nextEvent, startHarness, type Harness, waitFor } from './harness.ts';

const AGENT_SECRET = 'the-room-services-test-secret';
let h: Harness;
let worker: FixtureWorker;

before(async () => {
  h = await startHarness({ AGENT_SECRET, DEMO_MAX_ROOMS: '3' });
  worker = await startFixtureWorker(h.sfu, AGENT_SECRET);
});
after(async () => {
  await worker.close();
  await h.close();
});

const lobby = async () => ((await (await fetch(`${h.sfu.url}/api/rooms`)).json()) as { rooms: Array<{ id: string; participants: number }> }).rooms;
const newDemo = async () => ((await (await fetch(`${h.sfu.url}/api/demo`, { method: 'POST' })).json()) as { id: string }).id;

/** Waits until the room's AI state says every player plays. */
async function untilPlaying(socket: Awaited<ReturnType<typeof connect>>, timeoutMs = 20_000): Promise<AiRoomState> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = await nextEvent<AiRoomState>(socket, 'aiState', Math.max(1, end - Date.now()));
    if (s.players.length > 0 && s.players.every((p) => p.state === 'playing')) return s;
  }
}

for (const way of ['leaves', 'closes the tab'] as const) {
  test(`a demo room ends when its visitor ${way}: band, AI players and listeners go, the lobby drops it`, async () => {
    const hub = h.sfu.agents;
    const baseline = { connected: hub.listenerCount('connected'), status: hub.listenerCount('status') };
    const id = await newDemo();
    assert.ok(!(await lobby()).some((r) => r.id === id), 'a demo room is one visitor\'s: not listed in the lobby');
    const visitor = await connect(h.sfu);
    const playing = untilPlaying(visitor);
    await joinRoom(visitor, id, 'Solo');
    const state = await playing;
    assert.ok(worker.agent.playerCount >= 1, 'the worker runs the demo\'s AI players');
    const room = h.sfu.registry.get(id)!;
    assert.ok([...room.peers.values()].some((p) => p.displayName === 'Demo band'));
    assert.ok(!(await lobby()).some((r) => r.id === id), 'not listed while the visitor plays either');

    if (way === 'leaves') await askOk(visitor, 'leave', {});
    visitor.close();
    await waitFor(() => room.isClosed, 5000);
    await waitFor(() => worker.agent.playerCount === 0, 5000);
    assert.equal(h.sfu.registry.get(id), undefined);
    assert.equal(hub.listenerCount('connected'), baseline.connected, 'no AI band listens on the worker hub');
    assert.equal(hub.listenerCount('status'), baseline.status);
    assert.equal(state.players.length >= 1, true);
    assert.ok(!(await lobby()).some((r) => r.id === id));
  });
}

test('the SFU drops the worker (a drain, a network cut): it reconnects by itself and the AI plays again', async () => {
  const id = await newDemo();
  const visitor = await connect(h.sfu);
  let playing = untilPlaying(visitor);
  await joinRoom(visitor, id, 'Solo');
  await playing;
  const dropped = Date.now();
  const lost = nextEvent<AiRoomState>(visitor, 'aiState', 5000);
  hub().release();
  assert.equal((await lost).workerConnected, false);
  playing = untilPlaying(visitor, 20_000);
  const back = await playing;
  assert.equal(back.workerConnected, true);
  const recoveryMs = Date.now() - dropped;
  console.log(`# the AI played again ${recoveryMs} ms after the SFU dropped its worker`);
  assert.ok(recoveryMs < 15_000, `recovered in ${recoveryMs} ms`);
  await askOk(visitor, 'leave', {});
  visitor.close();
  await waitFor(() => worker.agent.playerCount === 0, 5000);
});

const hub = () => h.sfu.agents;

