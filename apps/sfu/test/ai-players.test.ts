// A room's AI players against a real SFU and a worker speaking the `/agent` protocol by hand:
// add / change / remove with the cap and the model's instruments, one AI peer and track per
// player, the metronome forwarded, and nothing left behind when the room closes.
import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { after, before, test } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import { AGENT_NAMESPACE, AI_PLAYERS_MAX, type AiRoomState, type TempoState } from '@bandmate/shared';
import { ask, askOk, connect, createRoom, joinRoom, nextEvent, startHarness, type Harness, waitFor } from './harness.ts';

const SECRET = 'the-ai-players-test-secret';
const HELLO = { model: 'fake 2', instruments: ['drums', 'bass', 'keys'], provider: 'cpu' };

interface Command {
  name: string;
  payload: Record<string, unknown>;
}

/** A worker that answers every command and records them, with one UDP port per prepared player. */
async function fakeWorker(h: Harness) {
  const commands: Command[] = [];
  const ports: UdpSocket[] = [];
  const socket: Socket = io(`${h.sfu.url}${AGENT_NAMESPACE}`, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { secret: SECRET } });
  for (const name of ['prepare', 'start', 'routes', 'instrument', 'volume', 'stop', 'tempo']) {
    socket.on(name, async (payload: Record<string, unknown>, ack: (r: unknown) => void) => {
      commands.push({ name, payload });
      if (name !== 'prepare') return ack({ ok: true, data: {} });
      const udp = createSocket('udp4');
      await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
      ports.push(udp);
      ack({ ok: true, data: { port: udp.address().port } });
    });
  }
  socket.on('connect', () => socket.emit('hello', HELLO));
  return {
    socket,
    commands,
    of: (name: string) => commands.filter((c) => c.name === name).map((c) => c.payload),
    close() {
      socket.close();
      for (const u of ports) u.close();
    },
  };
}

let h: Harness;
let worker: Awaited<ReturnType<typeof fakeWorker>>;
before(async () => {
  h = await startHarness({ AGENT_SECRET: SECRET });
  worker = await fakeWorker(h);
  await waitFor(() => h.sfu.agents.info?.model === HELLO.model);
});
after(async () => {
  worker.close();
  await new Promise((r) => setTimeout(r, 300));
  await h.close();
});

test('the host adds, changes and removes AI players: one track each, capped, only instruments the model plays', async () => {
  const { id } = await createRoom(h.sfu, 'Rhythm section');
  const host = await connect(h.sfu);
  const guest = await connect(h.sfu);
  const joined = (await joinRoom(host, id, 'Hana')) as unknown as { ai: AiRoomState };
  assert.deepEqual(joined.ai, { players: [], instruments: HELLO.instruments, maxPlayers: AI_PLAYERS_MAX, workerConnected: true });
  await joinRoom(guest, id, 'Gus', 'listener');

  const refused = await ask(guest, 'addAiPlayer', { instrument: 'drums' });
  assert.equal(!refused.ok && refused.error.code, 'not_host');
  const unknown = await ask(host, 'addAiPlayer', { instrument: 'theremin' });
  assert.equal(!unknown.ok && unknown.error.code, 'ai_instrument_unavailable');
  assert.match(!unknown.ok ? unknown.error.message : '', /drums, bass, keys/);
  const strict = await ask(host, 'addAiPlayer', { instrument: 'drums', enabled: true });
  assert.equal(!strict.ok && strict.error.code, 'bad_request');

  // Three players, each its own AI peer with its own 'ai' track that the guest is told about.
  const producers: Array<{ peerId: string; source: string }> = [];
  guest.on('newProducer', (p: { peerId: string; source: string }) => producers.push(p));
  let state: AiRoomState | undefined;
  for (const instrument of ['drums', 'bass', 'keys']) state = await askOk<AiRoomState>(host, 'addAiPlayer', { instrument });
  assert.deepEqual(state!.players.map((p) => p.instrument), ['drums', 'bass', 'keys']);
  await waitFor(() => producers.length === 3);
  const peers = state!.players.map((p) => p.peerId);
  assert.equal(new Set(peers).size, 3, 'a peer per player');
  assert.deepEqual(producers.map((p) => p.source), ['ai', 'ai', 'ai']);
  assert.deepEqual(new Set(producers.map((p) => p.peerId)), new Set(peers));
  // Every worker command names its player; each player got its own port and start.
  const starts = worker.of('start');
  assert.deepEqual(starts.map((s) => s.instrument), ['drums', 'bass', 'keys']);
  assert.deepEqual(new Set(starts.map((s) => s.playerId)), new Set(state!.players.map((p) => p.id)));
  assert.ok(starts.every((s) => s.roomId === id));
  // Players hear the room's musicians, not each other: no AI track is routed to a player.
  assert.ok(worker.of('routes').every((r) => (r.routes as unknown[]).length === 0));

  // The cap.
  await askOk(host, 'addAiPlayer', { instrument: 'bass' });
  const full = await ask(host, 'addAiPlayer', { instrument: 'keys' });
  assert.equal(!full.ok && full.error.code, 'ai_players_full');
  const room = h.sfu.registry.get(id)!;
  assert.equal([...room.peers.values()].filter((p) => p.isAgent).length, AI_PLAYERS_MAX);

  // Change: the worker swaps the player's stream; its peer stays (renamed) and no new track is made.
  const bass = state!.players[1]!;
  const renamed = nextEvent<{ id: string; displayName: string }>(guest, 'peerUpdated');
  const before = producers.length;
  const changed = await askOk<AiRoomState>(host, 'setAiPlayer', { playerId: bass.id, instrument: 'keys', volume: 0.5 });
  const after = changed.players.find((p) => p.id === bass.id)!;
  assert.equal(after.instrument, 'keys');
  assert.equal(after.volume, 0.5);
  assert.equal(after.peerId, bass.peerId);
  assert.deepEqual(await renamed, { id: bass.peerId, displayName: 'AI · keys', role: 'musician', hostMuted: false });
  assert.deepEqual(worker.of('instrument').at(-1), { roomId: id, playerId: bass.id, instrument: 'keys' });
  assert.deepEqual(worker.of('volume').at(-1), { roomId: id, playerId: bass.id, volume: 0.5 });
  assert.equal(producers.length, before);
  const noop = await ask(host, 'setAiPlayer', { playerId: bass.id });
  assert.equal(!noop.ok && noop.error.code, 'bad_request');
  const gone = await ask(host, 'setAiPlayer', { playerId: 'nobody', volume: 1 });
  assert.equal(!gone.ok && gone.error.code, 'not_found');

  // Remove: the worker stops it and its peer leaves everyone's room.
  const left = nextEvent<{ peerId: string }>(guest, 'peerLeft');
  const removed = await askOk<AiRoomState>(host, 'removeAiPlayer', { playerId: bass.id });
  assert.equal((await left).peerId, bass.peerId);
  assert.equal(removed.players.length, AI_PLAYERS_MAX - 1);
  assert.deepEqual(worker.of('stop').at(-1), { roomId: id, playerId: bass.id });

  // The room closes with its players: every running one is stopped on the worker, no listener stays.
  const stopsBefore = worker.of('stop').length;
  const hub = h.sfu.agents;
  // The room's own metronome fan-out (metronome-fanout.ts) listens too, and goes with the room.
  const metronomeListeners = room.metronome.listenerCount('change');
  const producerListeners = room.listenerCount('newProducer');
  await askOk(guest, 'leave', {});
  await askOk(host, 'leave', {});
  await waitFor(() => worker.of('stop').length === stopsBefore + AI_PLAYERS_MAX - 1);
  assert.equal(room.isClosed, true);
  assert.equal(hub.listenerCount('status'), 0, 'no AI listener left on the worker hub');
  assert.equal(hub.listenerCount('connected'), 0);
  assert.equal(room.metronome.listenerCount('change'), metronomeListeners - 1, 'the AI players stopped listening to the metronome');
  assert.equal(room.listenerCount('newProducer'), producerListeners - (AI_PLAYERS_MAX - 1), 'no AI link listens for producers');
  host.close();
  guest.close();
});

test("the room's metronome reaches the worker when a player starts and on every change", async () => {
  const { id } = await createRoom(h.sfu, 'Grid');
  const host = await connect(h.sfu);
  await joinRoom(host, id, 'Hana');
  const tempos = () => worker.of('tempo').filter((t) => t.roomId === id) as Array<{ tempo: TempoState; serverNow: number }>;
  // No player, no tempo traffic.
  await askOk(host, 'startMetronome', {});
  assert.equal(tempos().length, 0);
  await askOk(host, 'addAiPlayer', { instrument: 'drums' });
  await waitFor(() => tempos().length === 1);
  assert.equal(tempos()[0]!.tempo.running, true);
  assert.ok(Math.abs(tempos()[0]!.serverNow - (performance.timeOrigin + performance.now())) < 5000);
  // A tempo change after the AI started reaches it (it did not before), and so does a stop.
  const changed = await askOk<TempoState>(host, 'setTempo', { bpm: 132 });
  await waitFor(() => tempos().length === 2);
  assert.deepEqual(tempos()[1]!.tempo, changed);
  await askOk(host, 'stopMetronome', {});
  await waitFor(() => tempos().length === 3);
  assert.equal(tempos()[2]!.tempo.running, false);
  await askOk(host, 'leave', {});
  host.close();
});

