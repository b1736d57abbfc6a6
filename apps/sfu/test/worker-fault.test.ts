// A mediasoup worker killed mid-room (issue 12's fault list): the room moves to a live worker and
// keeps what it is (its lock, the host's decisions about people, its record and session); its
// people are told to join again (`mediaRestart`) and get back in, media flows on the new router,
// a running recording ends saved, and the AI player plays again. One worker, so the move waits for
// its replacement: the harder case.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { plainMusician } from './plain-musician.ts';
import { startFixtureWorker, type FixtureWorker } from './fixture-worker.ts';
import { ask, askOk, connect, createRoom, HARNESS_DATABASES, joinRoom, nextEvent, startHarness, waitFor, type Harness, untilAiState } from './harness.ts';

const AGENT_SECRET = 'the-worker-fault-test-secret';
let h: Harness;
let worker: FixtureWorker;


/** A musician playing a tone into the room's current router; returns a stop function. */
const playTone = async (roomId: string) => (await plainMusician(h.sfu.registry.get(roomId)!, { ssrc: 777 })).stop;

for (const database of HARNESS_DATABASES) {
  describe(`on ${database.name}`, { skip: database.skip }, () => {
    before(async () => {
      h = await startHarness({ AGENT_SECRET, SFU_WORKERS: '1', RECORDINGS_MIN_FREE_MB: '0', ...database.env });
      worker = await startFixtureWorker(h.sfu, AGENT_SECRET);
    });
    after(async () => {
      await worker.close();
      await h.close();
    });
    test('a mediasoup worker killed mid-room: the room moves, keeps its lock, host and removals, its people get back in, the recording is saved, the AI plays again', { timeout: 60_000 }, workerKilledMidRoom);
  });
}

async function workerKilledMidRoom() {
  const { id } = await createRoom(h.sfu, 'Fault');
  const host = await connect(h.sfu);
  const guest = await connect(h.sfu);
  const rex = await connect(h.sfu);
  await joinRoom(host, id, 'Hana');
  await joinRoom(guest, id, 'Gus');
  const rexId = (await joinRoom(rex, id, 'Rex')).peerId;
  await askOk(host, 'removeParticipant', { peerId: rexId, reason: 'test' });
  await askOk(host, 'lockRoom', { locked: true });
  const stopTone = await playTone(id);
  const playing = untilAiState(guest, 'playing', 20_000);
  await askOk(host, 'addAiPlayer', { instrument: 'mirror' });
  await playing;
  await askOk(host, 'startRecording', {});
  await new Promise((r) => setTimeout(r, 1500));

  const room = h.sfu.registry.get(id)!;
  const deadPid = room.workerPid;
  const restartHost = nextEvent<{ reason: string }>(host, 'mediaRestart', 10_000);
  const restartGuest = nextEvent<{ reason: string }>(guest, 'mediaRestart', 10_000);
  const killedAt = Date.now();
  process.kill(deadPid, 'SIGKILL');
  assert.match((await restartHost).reason, /moved/);
  await restartGuest;
  const toldMs = Date.now() - killedAt;
  stopTone();

  // The same room, on a live worker, still locked, still refusing the one the host removed.
  assert.equal(h.sfu.registry.get(id), room, 'the room itself went on');
  assert.notEqual(room.workerPid, deadPid);
  assert.equal(room.locked, true);
  // Gus (a musician) is back first; Hana, the host before, takes the role back when she returns.
  assert.equal(((await joinRoom(guest, id, 'Gus')) as unknown as { isHost: boolean }).isHost, true);
  assert.equal(((await joinRoom(host, id, 'Hana')) as unknown as { isHost: boolean }).isHost, true, 'the host before the move is the host again');
  const backMs = Date.now() - killedAt;
  const stranger = await connect(h.sfu);
  const refused = await ask(stranger, 'join', { roomId: id, displayName: 'New', role: 'musician', rtpCapabilities: room.rtpCapabilities });
  assert.equal(!refused.ok && refused.error.code, 'room_locked', 'still locked to newcomers');
  await askOk(host, 'lockRoom', { locked: false });
  const rexAgain = await ask(rex, 'join', { roomId: id, displayName: 'Rex', role: 'musician', rtpCapabilities: room.rtpCapabilities });
  assert.equal(!rexAgain.ok && rexAgain.error.code, 'removed', "the host's removal still holds");

  // The recording that was running is saved, not half-written.
  const { token } = await askOk<{ token: string }>(host, 'recordingsAccess', {});
  let recordings: Array<{ status: string }> = [];
  await waitFor(async () => {
    recordings = ((await (await fetch(`${h.sfu.url}/api/rooms/${id}/recordings?access=${token}`)).json()) as { recordings: Array<{ status: string }> }).recordings;
    return recordings.length === 1 && recordings[0]!.status !== 'recording';
  }, 20_000);
  assert.equal(recordings[0]!.status, 'ready');
  // Media on the new router: a send transport for the host, and the AI player back (its link reopened).
  assert.ok((await askOk<{ id: string }>(host, 'createWebRtcTransport', { direction: 'send' })).id);
  const stopTone2 = await playTone(id);
  await waitFor(() => [...room.peers.values()].some((p) => p.isAgent && p.displayName.startsWith('AI') && p.producers.size > 0), 20_000);
  const aiMs = Date.now() - killedAt;
  console.log(`# worker killed: told to rejoin after ${toldMs} ms, both back in after ${backMs} ms, the AI's track back after ${aiMs} ms`);
  stopTone2();
  for (const s of [host, guest, rex, stranger]) s.close();
  await waitFor(() => !h.sfu.registry.get(id), 5000);
}
