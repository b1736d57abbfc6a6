// The SFU's half of the `/agent` protocol: a worker whose answers do not match the shared schemas
// (a reply outside the acknowledgement, a malformed reply, an error without a code) leaves its AI
// player in a clear error state; the room and its signalling carry on.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import { AGENT_NAMESPACE, type AiRoomState } from '@bandmate/shared';
import { askOk, connect, createRoom, joinRoom, nextEvent, startHarness, waitFor, type Harness } from './harness.ts';

const SECRET = 'the-agent-protocol-test-secret';
let h: Harness;
before(async () => {
  h = await startHarness({ AGENT_SECRET: SECRET });
});
after(async () => {
  await h.close();
});

/** A worker that answers `prepare` with `answer` and everything else with success. */
async function workerAnswering(answer: unknown): Promise<Socket> {
  const socket = io(`${h.sfu.url}${AGENT_NAMESPACE}`, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { secret: SECRET } });
  for (const name of ['prepare', 'start', 'routes', 'instrument', 'volume', 'stop', 'tempo']) {
    socket.on(name, (_payload: unknown, ack: (r: unknown) => void) => ack(name === 'prepare' ? answer : { ok: true, data: {} }));
  }
  socket.on('connect', () => socket.emit('hello', { model: 'rogue 1', instruments: ['drums'], provider: 'cpu' }));
  await waitFor(() => h.sfu.agents.info?.model === 'rogue 1');
  return socket;
}

const cases: Array<[string, unknown, RegExp]> = [
  ['an answer outside the acknowledgement', { port: 40000 }, /prepare: the AI worker answered outside the protocol/],
  ['an error without a code', { ok: false, error: 'no' }, /prepare: the AI worker answered outside the protocol/],
  ['a malformed reply', { ok: true, data: { port: 'many' } }, /prepare: the AI worker's reply is malformed/],
  ['a refusal in the error model', { ok: false, error: { code: 'internal', message: 'out of memory' } }, /prepare: out of memory/],
];

for (const [what, answer, message] of cases) {
  test(`a worker's ${what}: the player shows the error, the room carries on`, async () => {
    const worker = await workerAnswering(answer);
    const { id } = await createRoom(h.sfu, 'Protocol');
    const host = await connect(h.sfu);
    await joinRoom(host, id, 'Hana');
    const failed = (async () => {
      for (;;) {
        const s = await nextEvent<AiRoomState>(host, 'aiState', 5000);
        if (s.players[0]?.state === 'error') return s.players[0];
      }
    })();
    await askOk(host, 'addAiPlayer', { instrument: 'drums' });
    const player = await failed;
    assert.match(player.message ?? '', message);
    assert.ok(h.sfu.registry.get(id), 'the room is still open');
    assert.equal((await askOk<AiRoomState>(host, 'removeAiPlayer', { playerId: player.id })).players.length, 0);
    await askOk(host, 'leave', {});
    host.close();
    worker.close();
    await waitFor(() => !h.sfu.agents.info);
  });
}
