import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, expect, test } from '../support/fixtures.ts';
import { createRoomViaApi } from '../support/room.ts';
import { CLICK_PROBE_WORKLET } from './click-probe.ts';

/**
 * Mouth-to-ear latency between two browsers through the SFU.
 * Browser A plays clicks into its send track; browser B sends back what it receives
 * (an echoing musician); A times each click's return on one sample clock.
 * One way = round trip / 2: A→SFU→B and B→SFU→A are the same path.
 */
const CLICKS = Number(process.env.BENCH_CLICKS ?? 60);
const INTERVAL_S = 0.5;

test('mouth-to-ear latency through the SFU', async ({ launch }) => {
  test.setTimeout(60_000 + CLICKS * INTERVAL_S * 1000 * 2);
  const roomId = await createRoomViaApi('Latency');
  const a = await launch();
  const b = await launch();
  for (const p of [a, b]) {
    await p.page.goto(`/room/${roomId}`);
    await p.page.waitForFunction(() => !!window.__bandmate);
  }

  // B: an echo musician publishing whatever it receives from A.
  await b.page.evaluate(async (roomId) => {
    const ctx = new AudioContext({ sampleRate: 48000, latencyHint: 'interactive' });
    const dest = ctx.createMediaStreamDestination();
    (window as unknown as { echo: unknown }).echo = { ctx, dest };
    await window.__bandmate!.join({ roomId, displayName: 'Echo', role: 'musician', track: dest.stream.getAudioTracks()[0] });
  }, roomId);

  // A: the click probe; its output is A's send track, its input what comes back from B.
  await a.page.evaluate(
    async ({ roomId, worklet, interval }) => {
      const ctx = new AudioContext({ sampleRate: 48000, latencyHint: 'interactive' });
      await ctx.audioWorklet.addModule(URL.createObjectURL(new Blob([worklet], { type: 'text/javascript' })));
      const probe = new AudioWorkletNode(ctx, 'click-probe', {
        numberOfInputs: 1,
        outputChannelCount: [2],
        processorOptions: { intervalFrames: Math.round(interval * 48000), threshold: 0.05 },
      });
      const dest = ctx.createMediaStreamDestination();
      probe.connect(dest);
      const results: Array<{ sent: number; received: number }> = [];
      probe.port.onmessage = (e) => results.push(e.data);
      (window as unknown as { probe: unknown }).probe = { ctx, probe, results };
      await window.__bandmate!.join({ roomId, displayName: 'Clicker', role: 'musician', track: dest.stream.getAudioTracks()[0] });
    },
    { roomId, worklet: CLICK_PROBE_WORKLET, interval: INTERVAL_S },
  );

  // Wire the return paths once each side receives the other.
  const wire = async (page: typeof a.page, from: string, into: 'echo' | 'probe') =>
    page.waitForFunction(
      ({ from, into }) => {
        const s = window.__bandmate!;
        const peer = s.state.peers.find((p) => p.displayName === from);
        const track = peer && s.remoteTrack(peer.id);
        if (!track) return false;
        const w = window as unknown as Record<string, { ctx: AudioContext; dest?: MediaStreamAudioDestinationNode; probe?: AudioNode }>;
        const target = w[into]!;
        const source = target.ctx.createMediaStreamSource(new MediaStream([track]));
        source.connect(into === 'echo' ? target.dest! : target.probe!);
        return true;
      },
      { from, into },
      { timeout: 20_000 },
    );
  await wire(b.page, 'Clicker', 'echo');
  await wire(a.page, 'Echo', 'probe');

  const wanted = CLICKS + 4; // the first few settle the jitter buffers
  await a.page.waitForFunction((n) => (window as unknown as { probe: { results: unknown[] } }).probe.results.length >= n, wanted, {
    timeout: CLICKS * INTERVAL_S * 1000 * 2 + 20_000,
    polling: 500,
  });
  const rounds = await a.page.evaluate(() =>
    (window as unknown as { probe: { results: Array<{ sent: number; received: number }> } }).probe.results.map(
      (r) => ((r.received - r.sent) / 48000) * 1000,
    ),
  );
  const oneWay = rounds.slice(4).map((ms) => ms / 2).sort((x, y) => x - y);
  const pct = (p: number) => oneWay[Math.min(oneWay.length - 1, Math.floor(p * oneWay.length))]!;
  const stats = await b.page.evaluate(() => window.__bandmate!.state.peers.map((p) => p.stats));
  const summary = {
    clicks: oneWay.length,
    oneWayMedianMs: +pct(0.5).toFixed(1),
    oneWayP95Ms: +pct(0.95).toFixed(1),
    oneWayMinMs: +oneWay[0]!.toFixed(1),
    oneWayMaxMs: +oneWay[oneWay.length - 1]!.toFixed(1),
    jitterBufferMsAtReceiver: stats[0]?.jitterBufferMs == null ? null : +stats[0].jitterBufferMs.toFixed(1),
  };
  console.log('\nmouth-to-ear latency through the SFU (loopback, one way = round trip / 2)');
  console.table(summary);
  writeFileSync(path.join(ARTIFACTS, 'latency.json'), JSON.stringify({ ...summary, oneWayMs: oneWay }, null, 2));
  expect(oneWay.length).toBeGreaterThanOrEqual(CLICKS * 0.9);
});
