import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { loadInferenceConfig } from '../../inference/src/config.ts';
import { AccompanimentEngine } from '../../inference/src/engine/engine.ts';
import { AgentClient } from '../../inference/src/room/agent-client.ts';
import { OpusFrameEncoder } from '@bandmate/media/opus-codec';
import { serializeRtp } from '@bandmate/media/rtp';
import { writeFixtureModel } from '../../inference/test/fixtures/build-fixture-models.ts';
import { Peer } from '../src/rooms/peer.ts';
import type { AiRoomState } from '@bandmate/shared';
import { ask, askOk, connect, createRoom, joinRoom, nextEvent, startHarness, untilAiState, type Harness, waitFor } from './harness.ts';
import { plainEar, plainProducer } from './plain-musician.ts';

let h: Harness;
let engine: AccompanimentEngine;
const cleanups: Array<() => void> = [];
const AGENT_SECRET = 'the-ai-in-room-test-secret';
const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-ai-'));
before(async () => {
  h = await startHarness({ AGENT_SECRET });
  engine = await AccompanimentEngine.load(writeFixtureModel('identity', path.join(dir, 'identity')));
});
after(async () => {
  for (const c of cleanups.reverse()) c();
  await engine.close();
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

function worker() {
  const config = loadInferenceConfig({ SFU_AGENT_URL: h.sfu.url, AGENT_SECRET, BANDMATE_TF: '-0.1', BANDMATE_K: '0.01', INFERENCE_JITTER_MS: '30' });
  return new AgentClient(engine, config, pino({ level: 'silent' }));
}


test('the host switches the AI on: it hears the musician and plays into the room; it comes back after a worker crash', async () => {
  let agent = worker();
  cleanups.push(() => agent.close());
  await waitFor(() => !!h.sfu.agents.info);
  const { id } = await createRoom(h.sfu, 'AI jam');
  const host = await connect(h.sfu);
  cleanups.push(() => host.close());
  const joined = await joinRoom(host, id, 'Hana');
  assert.equal((joined as unknown as { isHost: boolean }).isHost, true);
  const guest = await connect(h.sfu);
  cleanups.push(() => guest.close());
  const guestJoin = await joinRoom(guest, id, 'Gus', 'listener');
  assert.equal((guestJoin as unknown as { isHost: boolean }).isHost, false);

  // A musician playing a tone through a plain RTP producer.
  const room = h.sfu.registry.get(id)!;
  const mia = new Peer('mia', 'Mia', 'musician', room.rtpCapabilities);
  room.join(mia);
  const micIn = await plainProducer(room, mia, 5151, 'mic');
  const mic = createSocket('udp4');
  cleanups.push(() => mic.close());
  const enc = new OpusFrameEncoder();
  let seq = 0;
  const micTimer = setInterval(() => {
    const frame = Float32Array.from({ length: 480 }, (_, j) => 0.5 * Math.sin((2 * Math.PI * 440 * (seq * 480 + j)) / 48000));
    mic.send(serializeRtp({ payloadType: 111, sequenceNumber: seq, timestamp: seq * 480, ssrc: 5151, marker: false, payload: enc.encodeMono(frame) }), micIn.port, '127.0.0.1');
    seq++;
  }, 10);
  cleanups.push(() => clearInterval(micTimer));

  // Only the host may control the AI, on the signalling API itself.
  const refused = await ask(guest, 'addAiPlayer', { instrument: 'mirror' });
  assert.equal(!refused.ok && refused.error.code, 'not_host');

  const aiPeer = nextEvent<{ producerId: string; peerId: string; source: string }>(guest, 'newProducer', 8000);
  const state = await askOk<AiRoomState>(host, 'addAiPlayer', { instrument: 'mirror', volume: 1 });
  assert.equal(state.players.length, 1);
  const producer = await aiPeer;
  assert.equal(producer.source, 'ai');
  await untilAiState(guest, 'playing');

  // Listen to the AI track as a participant would, and check it carries the musician's tone.
  const ear = await plainEar(room, producer.producerId);
  cleanups.push(() => ear.close());
  const levels = ear.levels;
  // The identity model plays the mix back: tanh(0.5) ≈ 0.46 peak. Generous time for a loaded machine.
  await waitFor(() => levels.filter((l) => l > 0.3).length > 20, 30000);

  // The worker dies: the room carries on, the AI reports the outage, then comes back by itself.
  agent.close();
  await untilAiState(guest, 'error');
  assert.ok(h.sfu.registry.get(id), 'the room is still open');
  agent = worker();
  await untilAiState(guest, 'playing', 10000);

  // Off: the AI's track goes away for everyone.
  const left = nextEvent<{ peerId: string }>(guest, 'peerLeft', 5000);
  await askOk(host, 'removeAiPlayer', { playerId: state.players[0]!.id });
  assert.match((await left).peerId, /^ai-/);

});

