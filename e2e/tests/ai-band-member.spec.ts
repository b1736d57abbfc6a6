import path from 'node:path';
import type { Page } from '@playwright/test';
import { ARTIFACTS, expect, test } from '../support/fixtures.ts';
import { createRoomViaApi, joinRoom, peerId } from '../support/room.ts';
import { writeBurstWav } from '../support/wav.ts';

declare global {
  interface Window {
    __arrivals?: Array<{ label: string; mediaMs?: number; minTransit?: number; error?: string }>;
    __bandmateReceiverTap?: (trackId: string, receiver: RTCRtpReceiver) => void;
  }
}

const TF = Number(process.env.E2E_AI_TF ?? -0.1);
const K = Number(process.env.E2E_AI_K ?? 0.01);

/**
 * Runs in a Worker attached to RTP receivers (RTCRtpScriptTransform), before the browser's
 * jitter buffer: every encoded frame is decoded with WebCodecs and burst onsets are placed on
 * the stream's own media clock (RTP timestamp + position in the frame). Each stream's media
 * clock is mapped to this listener's clock by its least transit seen (arrival − media time),
 * which is what an ideal jitter buffer does: the senders' scheduling jitter (a loaded browser
 * sends its packets in bursts) and each NetEQ's own adaptive delay both drop out.
 */
const ARRIVAL_WORKER = `
onrtctransform = (event) => {
  const { label } = event.transformer.options;
  const media = new Map();
  let n = 0, env = 0, quiet = 0, armed = false, first, last, minTransit = Infinity;
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
      for (let i = 0; i < x.length; i++) {
        env = Math.max(Math.abs(x[i]), env * 0.995);
        quiet = env < 0.02 ? quiet + 1 : 0;
        if (quiet > rate / 10) armed = true; // 100 ms of quiet before an onset counts
        if (armed && env > 0.1) {
          postMessage({ label, mediaMs: startMs + (i / rate) * 1000 });
          armed = false;
        }
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
      if (arrival - mediaMs < minTransit) {
        minTransit = arrival - mediaMs;
        postMessage({ label, minTransit });
      }
      const index = n++;
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
 * burst to the AI's echo of it. The two musicians' bursts alternate every 250 ms, so an echo
 * is paired with this musician's latest burst and kept when it comes within half a period.
 */
async function aiOffset(page: Page, musicianName: string, aiName: string): Promise<{ median: number; count: number }> {
  const trackOf = (name: string) => peerId(page, name).then((id) => page.evaluate((i) => window.__bandmate!.remoteTrack(i)!.id, id));
  const musicianId = await trackOf(musicianName);
  const aiId = await trackOf(aiName);
  const arrivals = await page.evaluate(() => window.__arrivals!);
  expect(arrivals.filter((a) => a.error)).toEqual([]);
  const onsets = (id: string) => {
    const transit = Math.min(...arrivals.filter((a) => a.label === id && a.minTransit !== undefined).map((a) => a.minTransit!));
    return arrivals.filter((a) => a.label === id && a.mediaMs !== undefined).map((a) => a.mediaMs! + transit);
  };
  const bursts = onsets(musicianId);
  const offsets = onsets(aiId)
    .map((t) => t - Math.max(...bursts.filter((b) => b <= t)))
    .filter((d) => Number.isFinite(d) && d < 250)
    .sort((a, b) => a - b);
  return { median: offsets[Math.floor(offsets.length / 2)] ?? Number.NaN, count: offsets.length };
}

test('the host switches the AI on: everyone receives its track, which plays the room back; off, it goes away', async ({ launch }) => {
  const roomId = await createRoomViaApi('AI jam');
  const ana = await launch({ wav: writeBurstWav(path.join(ARTIFACTS, 'ana-bursts.wav'), { hz: 440, burstMs: 60, periodMs: 500, phaseMs: 0 }) });
  const ben = await launch({ wav: writeBurstWav(path.join(ARTIFACTS, 'ben-bursts.wav'), { hz: 660, burstMs: 60, periodMs: 500, phaseMs: 250 }) });
  // Both tap every stream they receive before the jitter buffer (set up before any frame flows).
  for (const p of [ana.page, ben.page]) await p.addInitScript(installArrivalTap, ARRIVAL_WORKER);
  await joinRoom(ana.page, roomId, 'Ana');
  await joinRoom(ben.page, roomId, 'Ben');

  // Only the host (Ana, here first) has the controls.
  await expect(ben.page.getByRole('button', { name: 'Switch AI on' })).toHaveCount(0);
  await ana.page.getByRole('button', { name: 'Switch AI on' }).click();
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
    console.log(`AI offset vs ${musicianName} (de-jittered arrival): median ${offset.median.toFixed(1)} ms over ${offset.count} onsets, expected ${expected} ms`);
    expect(offset.count).toBeGreaterThanOrEqual(5);
    // Within one packet on a quiet machine (119.2 vs 121.5 ms measured); on an overloaded one the
    // fake capture device's pacing moves the musician's own media clock, which no receiver can
    // tell from network delay (86.6 ms seen at load average ~15), so the browser check allows
    // three packets. The one-packet bound is asserted over real UDP and Opus without browsers
    // (apps/inference/test/accompanist.test.ts).
    expect(Math.abs(offset.median - expected)).toBeLessThanOrEqual(30);
  }

  const heardAtAna = await ana.page.evaluate(async (name) => {
    const s = window.__bandmate!;
    const id = s.state.peers.find((p) => p.displayName === name)!.id;
    let loudest = -Infinity;
    for (let i = 0; i < 20; i++) {
      const a = s.graph!.analyse(id)!;
      loudest = Math.max(loudest, a.left.rmsDb, a.right.rmsDb);
      await new Promise((r) => setTimeout(r, 50));
    }
    return loudest;
  }, 'AI · mirror');
  expect(heardAtAna).toBeGreaterThan(-30);

  // Switched off, the AI's track goes away for everyone.
  await ana.page.getByRole('button', { name: 'Switch AI off' }).click();
  for (const p of [ana.page, ben.page]) {
    await expect(p.getByTestId('ai-state')).toHaveAttribute('data-state', 'stopped');
    await expect(p.getByTestId('presence')).not.toContainText('AI · mirror');
  }
});
