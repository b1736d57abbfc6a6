// Recording a room on a real SFU (real mediasoup worker, real SQLite, real Opus over UDP): two
// streams with tone bursts at known times, one joining late with wrapping RTP timestamps and one
// with an outage; the files must have each tone where it was played, on one timeline.
import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { recordingListSchema, type RecordingSaved, type RecordingState } from '@bandmate/shared';
import { SESSION_COOKIE } from '../src/auth/sessions.ts';
import { OpusFrameEncoder } from '@bandmate/media/opus-codec';
import { serializeRtp } from '@bandmate/media/rtp';
import { decodeWav } from '@bandmate/media/wav';
import { Peer } from '../src/rooms/peer.ts';
import { ask, askOk, connect, createRoom, joinRoom, nextEvent, startHarness, type Harness, waitFor } from './harness.ts';
import { plainProducer } from './plain-musician.ts';
import { toneAmplitude } from './tone.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-rec-'));
let h: Harness;
const cleanups: Array<() => void> = [];
before(async () => {
  h = await startHarness({ RECORDINGS_DIR: dir, RECORDINGS_MIN_FREE_MB: '0' });
});
after(async () => {
  for (const c of cleanups.reverse()) c();
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Opus's own delay through encoder and decoder (measured in stream-receiver.test.ts): 316 samples. */
const CODEC_DELAY_MS = 316 / 48;
/**
 * How far an onset may sit from where it was played. Typically under 1 ms; on this 2-core machine
 * at load 15+ the least delay seen in a stream's first second can still be ~15 ms (the worker and
 * this process wake up late), until a later packet shows it.
 */
const TOLERANCE_MS = 20;

/**
 * A musician's plain-RTP producer playing 300 ms bursts of `hz` every second (from 500 ms into
 * its stream), sending each 10 ms packet on time (catching up after a late timer).
 */
class BurstPlayer {
  private readonly enc = new OpusFrameEncoder();
  private readonly socket: UdpSocket = createSocket('udp4');
  private k = 0;
  private timer?: ReturnType<typeof setInterval>;
  /** Wall clock (ms) when packet 0 was due. */
  wall0 = 0;
  private perf0 = 0;

  constructor(
    private readonly port: number,
    private readonly ssrc: number,
    private readonly hz: number,
    private readonly firstTs: number,
    /** Packets not sent (an outage); their timestamps still pass. */
    private readonly lost: (k: number) => boolean = () => false,
    /** The last packet it plays (then it stops by itself), in the quiet between bursts. */
    private readonly lastK = Number.POSITIVE_INFINITY,
  ) {
    cleanups.push(() => this.stop());
  }

  static burstAt = (k: number) => k >= 50 && (k - 50) % 100 < 30;

  start(): void {
    this.perf0 = performance.now();
    this.wall0 = Date.now();
    this.timer = setInterval(() => {
      const due = Math.floor((performance.now() - this.perf0) / 10);
      for (; this.k <= Math.min(due, this.lastK); this.k++) this.send(this.k);
      if (this.k > this.lastK) clearInterval(this.timer);
    }, 4);
  }

  /** Wall-clock time of packet k. */
  wallAt(k: number): number {
    return this.wall0 + k * 10;
  }

  /** Packets sent (or skipped as lost) so far. */
  get sent(): number {
    return this.k;
  }

  /** Packets whose bursts started, up to what was sent. */
  burstStarts(): number[] {
    const ks: number[] = [];
    for (let k = 50; k < this.k; k += 100) ks.push(k);
    return ks;
  }

  /** Whether a burst was playing (past its first 20 ms) at this wall-clock time. */
  midBurst(wallMs: number): boolean {
    const k = Math.floor((wallMs - this.wall0) / 10);
    return BurstPlayer.burstAt(k) && BurstPlayer.burstAt(k - 2);
  }

  stop(): void {
    clearInterval(this.timer);
    try {
      this.socket.close();
    } catch {
      /* closed already */
    }
  }

  private send(k: number): void {
    const on = BurstPlayer.burstAt(k);
    const frame = Float32Array.from({ length: 480 }, (_, j) => (on ? 0.5 * Math.sin((2 * Math.PI * this.hz * (k * 480 + j)) / 48000) : 0));
    const payload = this.enc.encodeMono(frame);
    if (this.lost(k)) return;
    const packet = serializeRtp({ payloadType: 111, sequenceNumber: k & 0xffff, timestamp: (this.firstTs + k * 480) >>> 0, ssrc: this.ssrc, marker: false, payload });
    this.socket.send(packet, this.port, '127.0.0.1');
  }
}

/** Sample indices where a burst starts: the first sample above 0.1 after 20 ms below 0.02. */
function onsets(x: Float32Array): number[] {
  const found: number[] = [];
  let quiet = 0;
  let armed = true;
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(x[i]!);
    quiet = v < 0.02 ? quiet + 1 : 0;
    if (quiet >= 960) armed = true;
    if (armed && v > 0.1) {
      found.push(i);
      armed = false;
    }
  }
  return found;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the host records the room: one file per stream on one timeline, a mixdown, previews, members-only downloads', async () => {
  const { id: roomId } = await createRoom(h.sfu, 'Recorded jam');
  const host = await connect(h.sfu);
  const lou = await connect(h.sfu);
  cleanups.push(() => host.close(), () => lou.close());
  await joinRoom(host, roomId, 'Hana');
  const louJoin = (await joinRoom(lou, roomId, 'Lou', 'listener')) as unknown as { recording?: RecordingState };
  assert.equal(louJoin.recording?.active, false, 'the join tells whether the room is recording');

  const room = h.sfu.registry.get(roomId)!;
  const mia = new Peer('mia', 'Mia', 'musician', room.rtpCapabilities);
  room.join(mia);
  const miaIn = await plainProducer(room, mia, 1111, 'mic');
  cleanups.push(miaIn.close);
  // Mia loses 100 ms of packets inside her third burst (packets 255–264).
  const miaPlayer = new BurstPlayer(miaIn.port, 1111, 440, 77_000, (k) => k >= 255 && k < 265);
  miaPlayer.start();
  await sleep(300);

  // Only the host may record, on the signalling API itself.
  const refused = await ask(lou, 'startRecording', {});
  assert.deepEqual(!refused.ok && refused.error.code, 'not_host');
  const notYet = await ask(host, 'stopRecording', {});
  assert.equal(!notYet.ok && notYet.error.code, 'not_recording');

  const announced = nextEvent<RecordingState>(lou, 'recordingState', 5000);
  const started = await askOk<RecordingState>(host, 'startRecording', {});
  assert.equal(started.active, true);
  assert.equal(started.startedBy, 'Hana');
  const seen = await announced;
  assert.deepEqual([seen.active, seen.recordingId, seen.startedBy], [true, started.recordingId, 'Hana']);
  const again = await ask(host, 'startRecording', {});
  assert.equal(!again.ok && again.error.code, 'already_recording');

  // 1.2 s in, the AI joins with timestamps about to wrap past 2^32 (they wrap 1 s into its stream).
  await sleep(1200);
  const aiPeer = new Peer('ai-test', 'AI · test', 'musician', room.rtpCapabilities, true);
  room.join(aiPeer);
  const aiIn = await plainProducer(room, aiPeer, 2222, 'ai');
  cleanups.push(aiIn.close);
  const aiPlayer = new BurstPlayer(aiIn.port, 2222, 660, 2 ** 32 - 100 * 480, undefined, 399);
  aiPlayer.start();
  await sleep(1000);
  // A busy SFU: the event loop stalls for 300 ms (players and recorder alike); the packets are
  // then read all at once. Nothing may move on the timeline, nothing may be lost.
  const stallEnd = performance.now() + 300;
  while (performance.now() < stallEnd);
  // The AI plays its packets 0–399 (4 s), then leaves before the end: its file is padded with silence.
  while (aiPlayer.sent < 400) await sleep(50);
  await sleep(500); // what the SFU still has on its way
  aiPlayer.stop();
  aiIn.close();
  await sleep(700);

  const stopping = nextEvent<RecordingState>(lou, 'recordingState', 5000);
  const saved = nextEvent<RecordingSaved>(lou, 'recordingSaved', 30_000);
  const stopped = await askOk<RecordingState>(host, 'stopRecording', {});
  miaPlayer.stop();
  assert.equal(stopped.active, false);
  assert.equal(stopped.saving, 1);
  assert.equal((await stopping).active, false);
  assert.deepEqual(await saved, { recordingId: started.recordingId, status: 'ready' });

  // Listing: members only.
  const listUrl = `${h.sfu.url}/api/rooms/${roomId}/recordings`;
  assert.equal((await fetch(listUrl)).status, 403, 'no pass, no list');
  const { token } = await askOk<{ token: string }>(lou, 'recordingsAccess', {});
  const { id: otherRoom } = await createRoom(h.sfu, 'Elsewhere');
  assert.equal((await fetch(`${h.sfu.url}/api/rooms/${otherRoom}/recordings?access=${token}`)).status, 403, "a pass is for its own room");
  assert.equal((await fetch(`${listUrl}?access=${token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))}`)).status, 403, 'a forged pass');
  const listed = recordingListSchema.parse(await (await fetch(`${listUrl}?access=${token}`)).json());
  assert.equal(listed.recordings.length, 1);
  const rec = listed.recordings[0]!;
  assert.deepEqual([rec.id, rec.status, rec.startedBy], [started.recordingId, 'ready', 'Hana']);
  assert.deepEqual(rec.tracks.map((t) => [t.kind, t.label]), [['participant', 'Mia'], ['ai', 'AI · test'], ['mix', 'Mixdown']]);
  const startedAtMs = Date.parse(rec.startedAt);
  assert.ok(rec.durationMs! > 5000 && rec.durationMs! < 60_000, `duration ${rec.durationMs}`);
  for (const t of rec.tracks) {
    assert.equal(t.durationMs, rec.durationMs);
    assert.equal(t.peaks.length, 500);
  }

  // The files: audio/wav attachments, whole or in ranges, for members only.
  const files = new Map<string, Float32Array[]>();
  for (const t of rec.tracks) {
    const url = `${h.sfu.url}${t.url}`;
    assert.equal((await fetch(url)).status, 403);
    const res = await fetch(`${url}?access=${token}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'audio/wav');
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="bandmate-.*\.wav"/);
    assert.equal(res.headers.get('accept-ranges'), 'bytes');
    const body = Buffer.from(await res.arrayBuffer());
    const wav = decodeWav(body);
    assert.equal(wav.sampleRate, 48000);
    assert.equal(wav.channels.length, 2);
    assert.ok(Math.abs((wav.channels[0]!.length / 48) - rec.durationMs!) <= 1, 'every file is as long as the recording');
    files.set(t.label, wav.channels);
    const part = await fetch(`${url}?access=${token}`, { headers: { range: 'bytes=40-99' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 40-99/${body.length}`);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), body.subarray(40, 100));
  }
  const someTrack = `${h.sfu.url}${rec.tracks[0]!.url}`;
  assert.equal((await fetch(`${someTrack}?access=${token}`, { headers: { range: 'bytes=999999999-' } })).status, 416);
  assert.equal((await fetch(`${h.sfu.url}/api/rooms/${roomId}/recordings/${rec.id}/tracks/00000000-0000-0000-0000-000000000000/file?access=${token}`)).status, 404);
  assert.equal((await fetch(`${h.sfu.url}/api/rooms/${roomId}/recordings/..%2F..%2Fetc/tracks/x/file?access=${token}`)).status, 404);

  // Each stem has its own tone and only that, at the times it was played.
  // A burst's start is heard the codec's delay after its packet; a burst resumed after an outage
  // is heard from the first packet back (the encoder had the tone in its lookahead already).
  const expectedOnsets = (player: BurstPlayer, ks: number[], resumed: number[] = []) =>
    ks.map((k) => player.wallAt(k) - startedAtMs + (resumed.includes(k) ? 0 : CODEC_DELAY_MS));
  const check = (label: string, hz: number, otherHz: number, player: BurstPlayer, expected: number[]) => {
    const [left, right] = files.get(label)!;
    const found = onsets(left!).map((i) => i / 48);
    // A stream picked up while a burst was playing starts with the rest of that burst.
    if (found.length > 0 && found[0]! < expected[0]! - TOLERANCE_MS && player.midBurst(found[0]! + startedAtMs)) found.shift();
    // A burst just starting as the recording stops is not checked.
    while (found.length > 0 && found.at(-1)! > rec.durationMs! - 100) found.pop();
    assert.equal(found.length, expected.length, `${label}: onsets at ${found.map((t) => t.toFixed(0))} ms, expected ${expected.map((t) => t.toFixed(0))}`);
    const errors = found.map((t, i) => t - expected[i]!);
    console.log(`# ${label}: onsets ${found.map((t) => t.toFixed(1)).join(', ')} ms; errors ${errors.map((e) => e.toFixed(1)).join(', ')} ms`);
    for (const e of errors) assert.ok(Math.abs(e) <= TOLERANCE_MS, `${label}: onset off by ${e.toFixed(1)} ms`);
    for (const t of found) {
      // 40 ms from just after the onset (an outage may follow 50 ms later).
      const from = Math.round((t + 5) * 48);
      const own = toneAmplitude(left!, from, from + 1920, hz);
      assert.ok(own > 0.3, `${label}: ${hz} Hz at ${t.toFixed(0)} ms (level ${own.toFixed(3)})`);
      assert.ok(toneAmplitude(left!, from, from + 1920, otherHz) < 0.02, `${label}: no ${otherHz} Hz`);
      assert.ok(Math.abs(toneAmplitude(right!, from, from + 1920, hz) - own) < 0.01, `${label}: both channels`);
    }
    return found;
  };
  const recorded = (player: BurstPlayer) => (k: number) => player.wallAt(k) > startedAtMs && player.wallAt(k) - startedAtMs < rec.durationMs! - 100;
  // Mia's bursts from her packet 50 on, each 100 packets; the outage splits her burst at 250 in two
  // (an onset again at 265, exactly where its timestamp puts it).
  const miaKs = [...miaPlayer.burstStarts(), 265].sort((a, b) => a - b).filter(recorded(miaPlayer));
  const miaFound = check('Mia', 440, 660, miaPlayer, expectedOnsets(miaPlayer, miaKs, [265]));
  assert.ok(miaFound.length >= 5 && miaKs.includes(265));
  // The AI: leading silence until it joined (1.2 s in), bursts from its packet 50 on (wrapped at 100).
  const aiKs = aiPlayer.burstStarts().filter(recorded(aiPlayer));
  assert.ok(aiKs.length >= 3);
  const aiFound = check('AI · test', 660, 440, aiPlayer, expectedOnsets(aiPlayer, aiKs));
  assert.ok(aiFound[0]! > 1200, 'silence before the AI joined');
  const [aiLeft] = files.get('AI · test')!;
  const aiLeftAt = Math.round((aiPlayer.wallAt(aiPlayer.sent) - startedAtMs + 50) * 48);
  assert.equal(aiLeft!.subarray(aiLeftAt).some((v) => Math.abs(v) > 0.01), false, 'silence after the AI left');

  // The mixdown has both, where the stems have them.
  const [mixLeft] = files.get('Mixdown')!;
  for (const [t, hz] of [...miaFound.map((t) => [t, 440] as const), ...aiFound.map((t) => [t, 660] as const)]) {
    const from = Math.round((t + 5) * 48);
    assert.ok(toneAmplitude(mixLeft!, from, from + 1920, hz) > 0.3, `mix: ${hz} Hz at ${t.toFixed(0)} ms`);
  }
  const mixPeak = mixLeft!.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert.ok(mixPeak < 0.9, `the mix does not clip (peak ${mixPeak.toFixed(3)})`);

  // The room carried on throughout, and can record again.
  assert.ok(h.sfu.registry.get(roomId));
  const second = await askOk<RecordingState>(host, 'startRecording', {});
  assert.equal(second.active, true);
  await askOk(host, 'stopRecording', {});
});

test('leaving the room (it closes) stops and saves its recording; nothing recorded ends as failed', async () => {
  const { id: roomId } = await createRoom(h.sfu, 'Empty');
  const host = await connect(h.sfu);
  cleanups.push(() => host.close());
  await joinRoom(host, roomId, 'Solo');
  const started = await askOk<RecordingState>(host, 'startRecording', {});
  await askOk(host, 'leave', {});
  await waitFor(() => h.sfu.recordings.state(roomId).saving === 0 && !h.sfu.recordings.state(roomId).active, 10_000);
  await joinRoom(host, roomId, 'Solo');
  const { token } = await askOk<{ token: string }>(host, 'recordingsAccess', {});
  const listed = recordingListSchema.parse(await (await fetch(`${h.sfu.url}/api/rooms/${roomId}/recordings?access=${token}`)).json());
  assert.deepEqual(listed.recordings.map((r) => [r.id, r.status, r.tracks.length]), [[started.recordingId, 'failed', 0]]);
});


test('limits: recordings running at once, the time limit, the disk space; each refusal says why', async () => {
  const limited = await startHarness({ RECORDINGS_DIR: path.join(dir, 'limited'), RECORDINGS_MIN_FREE_MB: '0', RECORDINGS_MAX_ACTIVE: '1', RECORDINGS_MAX_MINUTES: '0.05' });
  const full = await startHarness({ RECORDINGS_DIR: path.join(dir, 'full'), RECORDINGS_MIN_FREE_MB: String(1024 * 1024 * 1024) });
  try {
    const a = await connect(limited.sfu);
    const b = await connect(limited.sfu);
    const c = await connect(full.sfu);
    cleanups.push(() => a.close(), () => b.close(), () => c.close());
    const roomA = (await createRoom(limited.sfu, 'A')).id;
    await joinRoom(a, roomA, 'Ann');
    await joinRoom(b, (await createRoom(limited.sfu, 'B')).id, 'Bob');
    await joinRoom(c, (await createRoom(full.sfu, 'C')).id, 'Cy');

    const first = await askOk<RecordingState>(a, 'startRecording', {});
    assert.equal(first.maxDurationMs, 3000);
    const busy = await ask(b, 'startRecording', {});
    assert.equal(!busy.ok && busy.error.code, 'recording_unavailable');
    assert.match(!busy.ok ? busy.error.message : '', /1 recordings already/);

    // The time limit stops it by itself, and everyone is told why.
    const stopped = await nextEvent<RecordingState>(a, 'recordingState', 10_000);
    assert.deepEqual([stopped.active, stopped.stoppedReason], [false, 'max_duration']);
    assert.match(stopped.message ?? '', /limit/);
    const saved = await nextEvent<RecordingSaved>(a, 'recordingSaved', 10_000);
    assert.equal(saved.recordingId, first.recordingId);
    assert.ok(limited.sfu.recordings.state(roomA).saving === 0);

    const noDisk = await ask(c, 'startRecording', {});
    assert.equal(!noDisk.ok && noDisk.error.code, 'recording_unavailable');
    assert.match(!noDisk.ok ? noDisk.error.message : '', /disk space/);
  } finally {
    await limited.close();
    await full.close();
  }
});

test("a signed-in member (the room's owner) lists the recordings with their cookie alone; another account cannot", async () => {
  const signUp = async (name: string) => {
    const browser = h.browser();
    const res = await browser.signUp({ email: `${name}-${Date.now()}@example.com`, password: 'a good long password', displayName: name });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return `${SESSION_COOKIE}=${browser.cookie}`;
  };
  const owner = await signUp('Olga');
  const stranger = await signUp('Sid');
  const created = await fetch(`${h.sfu.url}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: owner, origin: 'http://localhost:3000' },
    body: JSON.stringify({ name: 'Lesson', visibility: 'private' }),
  });
  assert.equal(created.status, 201);
  const { id } = (await created.json()) as { id: string };
  const list = (cookie: string) => fetch(`${h.sfu.url}/api/rooms/${id}/recordings`, { headers: { cookie } });
  const mine = await list(owner);
  assert.equal(mine.status, 200);
  assert.deepEqual(recordingListSchema.parse(await mine.json()).recordings, []);
  assert.equal((await list(stranger)).status, 403);
});
