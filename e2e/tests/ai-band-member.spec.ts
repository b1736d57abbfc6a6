import path from 'node:path';
import type { Page } from '@playwright/test';
import { ARTIFACTS, expect, test } from '../support/fixtures.ts';
import { createRoomViaApi, joinRoom, peerId } from '../support/room.ts';
import { writeBurstWav } from '../support/wav.ts';

declare global {
  interface Window {
    __arrivals?: Array<{ label: string; hz?: number; t?: number; peak?: number; error?: string }>;
    __bandmateReceiverTap?: (trackId: string, receiver: RTCRtpReceiver) => void;
  }
}

const TF = Number(process.env.E2E_AI_TF ?? -0.1);
const K = Number(process.env.E2E_AI_K ?? 0.01);

/**
 * Each musician's burst tone: the AI plays the room's mix, so its echoes are told apart by
 * pitch. Neither is a harmonic or third-order product of the other (the mix goes through a
 * soft limiter).
 */
const TONES = { Ana: 440, Ben: 1000 } as const;
/**
 * Sliding-DFT length: seven periods of 1000 − 440 Hz, so each tone's bin has a null at the
 * other tone, and the other tone's gated onset leaks under 5 % of its level into this bin.
 */
const DFT_SAMPLES = 600;

/**
 * Runs in a Worker attached to RTP receivers (RTCRtpScriptTransform), before the browser's
 * jitter buffer: every encoded frame is decoded with WebCodecs and each tone's burst onsets
 * are placed on the stream's own media clock (RTP timestamp + position in the frame), mapped
 * to this listener's clock by the stream's least transit (arrival − media time) over the last
 * 2 s, which is what an ideal jitter buffer does: the senders' scheduling jitter and each
 * NetEQ's own adaptive delay drop out, and a sender whose capture stalled (its RTP clock now
 * behind real time) is followed.
 *
 * Onsets are found per tone, not on the broadband envelope: the two musicians' captures start
 * at unrelated times, so their bursts may overlap in the AI's mix, and the first echo would
 * hide the second. A tone's onset is where its sliding-DFT magnitude first reaches half of
 * that burst's peak, minus half the DFT length: the same for any level, so the musician's
 * stream and the AI's quieter echo are measured alike.
 */
const ARRIVAL_WORKER = `
const TONES = ${JSON.stringify(Object.values(TONES))}, N = ${DFT_SAMPLES};
onrtctransform = (event) => {
  const { label } = event.transformer.options;
  const media = new Map();
  let n = 0, first, last, sample = 0;
  const transits = new Float64Array(200).fill(Infinity);
  const detectors = TONES.map((hz) => ({
    hz, re: new Float64Array(N), im: new Float64Array(N), sr: 0, si: 0, quiet: 0, armed: false, burst: null,
  }));
  const detect = (d, x, t, rate) => {
    const phase = (2 * Math.PI * d.hz * sample) / rate;
    const a = x * Math.cos(phase), b = -x * Math.sin(phase), slot = sample % N;
    d.sr += a - d.re[slot];
    d.si += b - d.im[slot];
    d.re[slot] = a;
    d.im[slot] = b;
    const m = (2 / N) * Math.hypot(d.sr, d.si);
    if (d.burst) {
      d.burst.t.push(t);
      d.burst.m.push(m);
      if (t - d.burst.t[0] >= 60) {
        const peak = Math.max(...d.burst.m);
        const i = d.burst.m.findIndex((v) => v >= peak / 2);
        postMessage({ label, hz: d.hz, t: d.burst.t[i] - (N / 2 / rate) * 1000, peak });
        d.burst = null;
        d.quiet = 0;
      }
      return;
    }
    d.quiet = m < 0.01 ? d.quiet + 1 : 0;
    if (d.quiet > rate / 10) d.armed = true; // 100 ms of quiet before an onset counts
    if (d.armed && m > 0.05) {
      d.armed = false;
      d.burst = { t: [t], m: [m] };
    }
  };
  const decoder = new AudioDecoder({
    output: (data) => {
      const index = Math.round(data.timestamp / 10000);
      const startMs = media.get(index);
      media.delete(index);
      const x = new Float32Array(data.numberOfFrames);
      data.copyTo(x, { planeIndex: 0, format: 'f32-planar' });
      const rate = data.sampleRate;
      data.close();
      if (startMs === undefined) return;
      let local = Infinity;
      for (const v of transits) local = Math.min(local, v);
      for (let i = 0; i < x.length; i++, sample++) {
        const t = startMs + (i / rate) * 1000 + local;
        for (const d of detectors) detect(d, x[i], t, rate);
      }
    },
    error: (e) => postMessage({ label, error: String(e) }),
  });
  decoder.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 });
  const reader = event.transformer.readable.getReader();
  const writer = event.transformer.writable.getWriter();
  (async () => {
    for (;;) {
      const { value: frame, done } = await reader.read();
      if (done) return;
      const meta = frame.getMetadata();
      const arrival = typeof meta.receiveTime === 'number' ? meta.receiveTime : performance.now();
      // Unwrapped RTP time in ms since this stream's first frame.
      first ??= meta.rtpTimestamp;
      let ts = meta.rtpTimestamp - first;
      if (last !== undefined) ts += Math.round((last - ts) / 2 ** 32) * 2 ** 32;
      last = ts;
      const mediaMs = ts / 48;
      const index = n++;
      transits[index % transits.length] = arrival - mediaMs;
      media.set(index, mediaMs);
      decoder.decode(new EncodedAudioChunk({ type: 'key', timestamp: index * 10000, data: frame.data.slice(0) }));
      await writer.write(frame);
    }
  })().catch((e) => postMessage({ label, error: 'tap: ' + String(e) }));
};
`;

function installArrivalTap(source: string): void {
  window.__arrivals = [];
  let worker: Worker | undefined;
  window.__bandmateReceiverTap = (trackId, receiver) => {
    if (!worker) {
      worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
      worker.onmessage = (e) => window.__arrivals!.push(e.data);
      worker.onerror = (e) => window.__arrivals!.push({ label: 'worker', error: e.message });
    }
    receiver.transform = new RTCRtpScriptTransform(worker, { label: trackId });
  };
}

/**
 * Median delay at this listener, on each stream's de-jittered arrival clock, from a musician's
 * burst to the AI's echo of it (the same tone, within half a burst period).
 */
async function aiOffset(page: Page, musicianName: keyof typeof TONES, aiName: string): Promise<{ median: number; count: number; all: number[]; bursts: number; echoes: number }> {
  const trackOf = (name: string) => peerId(page, name).then((id) => page.evaluate((i) => window.__bandmate!.remoteTrack(i)!.id, id));
  const musicianId = await trackOf(musicianName);
  const aiId = await trackOf(aiName);
  const arrivals = await page.evaluate(() => window.__arrivals!);
  expect(arrivals.filter((a) => a.error)).toEqual([]);
  const hz = TONES[musicianName];
  const onsets = (id: string) => {
    const found = arrivals.filter((a) => a.label === id && a.hz === hz);
    // A burst reaches its full level; anything far below the typical peak is not one.
    const peaks = found.map((a) => a.peak!).sort((a, b) => a - b);
    const typical = peaks[Math.floor(peaks.length / 2)] ?? 0;
    return found.filter((a) => a.peak! >= typical / 2).map((a) => a.t!);
  };
  const bursts = onsets(musicianId);
  const offsets = onsets(aiId)
    .map((t) => t - Math.max(...bursts.filter((b) => b <= t)))
    .filter((d) => Number.isFinite(d) && d < 250)
    .sort((a, b) => a - b);
  const median = offsets[Math.floor(offsets.length / 2)] ?? Number.NaN;
  return { median, count: offsets.length, all: offsets, bursts: bursts.length, echoes: onsets(aiId).length };
}

test.skip(process.env.E2E_DATABASE === 'postgresql', 'the AI player is media, not the database (its lineup kept over a restart: unit tests on both databases); the SQLite pass runs it');

test('the host switches the AI on: everyone receives its track, which plays the room back; off, it goes away', async ({ launch }) => {
  const roomId = await createRoomViaApi('AI jam');
  const ana = await launch({ wav: writeBurstWav(path.join(ARTIFACTS, 'ana-bursts.wav'), { hz: TONES.Ana, burstMs: 60, periodMs: 500, phaseMs: 0 }) });
  const ben = await launch({ wav: writeBurstWav(path.join(ARTIFACTS, 'ben-bursts.wav'), { hz: TONES.Ben, burstMs: 60, periodMs: 500, phaseMs: 250 }) });
  // Both tap every stream they receive before the jitter buffer (set up before any frame flows).
  for (const p of [ana.page, ben.page]) await p.addInitScript(installArrivalTap, ARRIVAL_WORKER);
  await joinRoom(ana.page, roomId, 'Ana');
  await joinRoom(ben.page, roomId, 'Ben');

  // Only the host (Ana, here first) has the controls.
  await expect(ben.page.getByRole('button', { name: 'Add AI player' })).toHaveCount(0);
  await ana.page.getByRole('button', { name: 'Add AI player' }).click();
  for (const p of [ana.page, ben.page]) await expect(p.getByTestId('ai-state')).toHaveAttribute('data-state', 'playing', { timeout: 30_000 });

  // Every participant receives the AI like another musician.
  await peerId(ben.page, 'AI · mirror');
  await peerId(ana.page, 'AI · mirror');

  // Long enough for a dozen echoes per musician even when a loaded machine drops some.
  await ben.page.waitForTimeout(12_000);
  // A musician's bursts reach the AI in the room's mix; the identity model plays them k − t_f
  // later, through one more Opus encode (its 6.5 ms look-ahead), and the worker sends content
  // for room time t at t. Its room clock ticks every 10 ms, so a stream's frames enter the mix
  // at the next tick (0–10 ms, 5 on average): on the wire the AI should be k − t_f + 11.5 ms
  // behind the musician it echoes, within one 10 ms packet.
  const expected = (K - TF) * 1000 + 6.5 + 5;
  for (const [listener, musicianName] of [[ben.page, 'Ana'], [ana.page, 'Ben']] as const) {
    const offset = await aiOffset(listener, musicianName, 'AI · mirror');
    console.log(`AI offset vs ${musicianName} (de-jittered arrival): median ${offset.median.toFixed(1)} ms over ${offset.count} echoes (of ${offset.bursts} bursts, ${offset.echoes} onsets of the tone in the AI), expected ${expected} ms (all: ${offset.all.map((d) => d.toFixed(0)).join(' ')})`);
    expect(offset.count).toBeGreaterThanOrEqual(5);
    // Within one packet. Measured 118.4–127.8 ms over thirteen runs here, six of them with two
    // CPU-bound processes beside the test. (Before onsets were told apart by tone, the two
    // musicians' bursts could overlap in the AI's mix and one echo hid the other, which read
    // as errors of 5–100 ms.)
    expect(Math.abs(offset.median - expected)).toBeLessThanOrEqual(10);
  }

  // Audible: one analyser read (341 ms, about one burst of each musician) above −30 dBFS. Read for
  // up to 5 s rather than one second: a worker that drops ticks under load leaves gaps of silence.
  const heardAtAna = await ana.page.evaluate(async (name) => {
    const s = window.__bandmate!;
    const id = s.state.peers.find((p) => p.displayName === name)!.id;
    let loudest = -Infinity;
    for (let i = 0; i < 100 && (i < 20 || loudest <= -30); i++) {
      const a = s.graph!.analyse(id)!;
      loudest = Math.max(loudest, a.left.rmsDb, a.right.rmsDb);
      await new Promise((r) => setTimeout(r, 50));
    }
    return loudest;
  }, 'AI · mirror');
  console.log(`AI strip at Ana: loudest read ${heardAtAna.toFixed(1)} dBFS (over 1–5 s)`);
  expect(heardAtAna).toBeGreaterThan(-30);

  // Switched off, the AI's track goes away for everyone.
  await ana.page.getByRole('button', { name: 'Remove AI mirror' }).click();
  for (const p of [ana.page, ben.page]) {
    await expect(p.getByTestId('ai-player')).toHaveCount(0);
    await expect(p.getByTestId('presence')).not.toContainText('AI · mirror');
  }
});
