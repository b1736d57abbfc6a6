// Fuzzing the recorder with FUZZ_RTP_PACKETS hostile packets (10,000 by default) from a musician,
// through a real mediasoup producer (what mediasoup forwards is what a hostile client can make it
// forward: valid headers around any payload, replays, jumps). The recorder's own socket takes
// packets from the router's transport only (room-recorder.ts), so this is all that reaches it. The
// recording must still be saved, with the clean tone the musician plays after the fuzz in its
// file, and the room must go on.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, test } from 'node:test';
import type { RecordingSaved, RecordingState } from '@bandmate/shared';
import { recordingListSchema } from '@bandmate/shared';
import { OpusFrameEncoder } from '@bandmate/media/opus-codec';
import { serializeRtp } from '@bandmate/media/rtp';
import { decodeWav } from '@bandmate/media/wav';
import { rtpFuzzPackets } from '../../inference/test/fixtures/rtp-fuzz.ts';
import { Peer } from '../src/rooms/peer.ts';
import { askOk, connect, createRoom, joinRoom, nextEvent, startHarness, type Harness } from './harness.ts';
import { plainProducer } from './plain-musician.ts';

const PACKETS = Number(process.env.FUZZ_RTP_PACKETS ?? 10_000);
const SSRC = 2323;
let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

test(`${PACKETS} fuzzed packets from a musician while recording: the recording is saved and the clean part after them is in it`, { timeout: 180_000 }, async () => {
  const { id: roomId } = await createRoom(h.sfu, 'Fuzzed recording');
  const host = await connect(h.sfu);
  await joinRoom(host, roomId, 'Hana');
  const room = h.sfu.registry.get(roomId)!;
  const mia = new Peer('mia', 'Mia', 'musician', room.rtpCapabilities);
  room.join(mia);
  const { port } = await plainProducer(room, mia, SSRC, 'mic');
  const mic = createSocket('udp4');
  await askOk<RecordingState>(host, 'startRecording', {});

  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
  console.log(`# fuzz seed ${seed} (FUZZ_SEED replays it)`);
  const packets = rtpFuzzPackets({ count: PACKETS, ssrc: SSRC, payloadType: 111, seed });
  for (let i = 0; i < packets.length; i += 50) {
    for (const p of packets.slice(i, i + 50)) mic.send(p, port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 2));
  }

  // Then 1.5 s of a clean 440 Hz tone, its timestamps on a new origin.
  const enc = new OpusFrameEncoder();
  const t0 = performance.now();
  for (let i = 0; i < 150; i++) {
    const frame = Float32Array.from({ length: 480 }, (_, j) => 0.5 * Math.sin((2 * Math.PI * 440 * (i * 480 + j)) / 48000));
    const wait = t0 + i * 10 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    mic.send(serializeRtp({ payloadType: 111, sequenceNumber: (40_000 + i) & 0xffff, timestamp: (5_555_555 + i * 480) >>> 0, ssrc: SSRC, marker: false, payload: enc.encodeMono(frame) }), port, '127.0.0.1');
  }
  await new Promise((r) => setTimeout(r, 500));

  const saved = nextEvent<RecordingSaved>(host, 'recordingSaved', 30_000);
  await askOk<RecordingState>(host, 'stopRecording', {});
  assert.equal((await saved).status, 'ready');
  mic.close();

  const { token } = await askOk<{ token: string }>(host, 'recordingsAccess', {});
  const list = recordingListSchema.parse(await (await fetch(`${h.sfu.url}/api/rooms/${roomId}/recordings?access=${token}`)).json());
  const track = list.recordings[0]!.tracks.find((t) => t.label === 'Mia')!;
  const wav = decodeWav(Buffer.from(await (await fetch(`${h.sfu.url}${track.url}?access=${token}`)).arrayBuffer()));
  const left = wav.channels[0]!;
  // The tone's last second in the file (it ended 0.5 s before the stop): loud, and at 440 Hz.
  const end = left.length - Math.round(0.55 * 48000);
  const tone = left.subarray(end - 48000, end);
  const rms = Math.sqrt(tone.reduce((s, x) => s + x * x, 0) / tone.length);
  const crossings = tone.reduce((n, x, i) => (i > 0 && tone[i - 1]! < 0 && x >= 0 ? n + 1 : n), 0);
  console.log(`# the clean tone after the fuzz in the file: rms ${rms.toFixed(3)}, ${crossings} cycles in 1 s`);
  assert.ok(rms > 0.25, `the tone is in the recording (rms ${rms.toFixed(3)})`);
  assert.ok(Math.abs(crossings - 440) <= 3, `at its pitch (${crossings} Hz)`);
  assert.ok(h.sfu.registry.get(roomId), 'the room went on');
  await askOk(host, 'leave', {});
  host.close();
});
