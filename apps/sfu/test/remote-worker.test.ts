import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { AiRoomState } from '@bandmate/shared';
import { writeFixtureModel } from '../../inference/test/fixtures/build-fixture-models.ts';
import { workerMediaAddress } from '../src/agents/agent-hub.ts';
import { askOk, connect, createRoom, joinRoom, startHarness, untilAiRoomState, waitFor, type Harness } from './harness.ts';
import { startInferenceWorker } from './inference-worker-process.ts';
import { plainEar, plainMusician } from './plain-musician.ts';

/**
 * An inference worker that takes RTP on an address of its own (issue 11: workers on other hosts).
 * Here the other host is another loopback address (127.0.0.3): a worker bound there hears nothing
 * sent to the SFU's agent address (127.0.0.1), so the AI plays the musician back only if the SFU
 * sends the room's audio to the worker's own address.
 */
const AGENT_SECRET = 'the-remote-worker-test-secret';
const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-remote-worker-'));
const cleanups: Array<() => void> = [];
let h: Harness;
let worker: ChildProcess | undefined;

before(async () => {
  h = await startHarness({ AGENT_SECRET });
});
after(async () => {
  for (const c of cleanups.reverse()) c();
  worker?.kill('SIGKILL');
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a worker’s RTP address: the one it names only where it connects from (or both on loopback), else where it connects from', () => {
  assert.equal(workerMediaAddress('10.0.0.7', '10.0.0.7'), '10.0.0.7');
  assert.equal(workerMediaAddress('10.0.0.7', '::ffff:10.0.0.7'), '10.0.0.7');
  assert.equal(workerMediaAddress('127.0.0.3', '127.0.0.1'), '127.0.0.3');
  // Naming a third host does not send it the room: the audio goes where the worker is.
  assert.equal(workerMediaAddress('203.0.113.9', '10.0.0.8'), '10.0.0.8');
  assert.equal(workerMediaAddress('203.0.113.9', '127.0.0.1'), undefined);
  assert.equal(workerMediaAddress(undefined, '10.0.0.8'), '10.0.0.8');
  assert.equal(workerMediaAddress(undefined, '::1'), undefined);
});

test('a worker bound to its own address hears the room there and plays into it', { timeout: 90_000 }, async () => {
  const modelDir = writeFixtureModel('identity', path.join(dir, 'identity'));
  worker = startInferenceWorker({ sfuUrl: h.sfu.url, secret: AGENT_SECRET, modelDir, maxPlayers: 1, env: { SFU_AGENT_IP: '127.0.0.3' } });
  await waitFor(() => h.sfu.agents.load().workers === 1, 30_000);
  const { id } = await createRoom(h.sfu, 'Remote worker');
  const host = await connect(h.sfu);
  cleanups.push(() => host.close());
  await joinRoom(host, id, 'Hana');
  const room = h.sfu.registry.get(id)!;
  const mia = await plainMusician(room, { ssrc: 7171, isAgent: false });
  cleanups.push(() => mia.stop());
  const playing = untilAiRoomState(host, (s) => s.players.length === 1 && s.players[0]!.state === 'playing', 30_000);
  const added = await askOk<AiRoomState>(host, 'addAiPlayer', { instrument: h.sfu.agents.info!.instruments[0]! });
  const player = (await playing).players[0]!;
  assert.equal(h.sfu.agents.mediaAddressOf({ roomId: id, playerId: added.players[0]!.id }), '127.0.0.3');
  // The identity model plays back what it hears: Mia's tone (tanh(0.5) ≈ 0.46 peak) on the AI's track.
  const producerId = [...room.peers.get(player.peerId!)!.producers.keys()][0]!;
  const ear = await plainEar(room, producerId);
  cleanups.push(() => ear.close());
  await waitFor(() => ear.levels.filter((l) => l > 0.3).length > 50, 20_000);
});
