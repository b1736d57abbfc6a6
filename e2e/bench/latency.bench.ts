import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { ARTIFACTS, expect, test } from '../support/fixtures.ts';
import { createRoomViaApi, SFU_URL } from '../support/room.ts';
import type { PlayoutTrace } from '../../apps/web/media/playout/playout-buffer.ts';
import { CLICK_PROBE_WORKLET } from './click-probe.ts';
import { coveredOf, dropoutsPerMinute, latenessOf, quantile, TRACE_STRIDE } from './depth-curve.ts';
import { startWakeProbe, type WakeLateness } from './wake-probe.ts';

/**
 * Mouth-to-ear latency between two browsers through the SFU, on our playout path and on the
 * browser's own (NetEQ), side by side in one run: rounds alternate between the paths so that both
 * see the same machine and load. Browser A plays clicks into its send track; browser B sends back
 * what it receives (an echoing musician); A times each click's return on one sample clock. Both
 * build their probe in the AudioContext their mix plays in, so a click is timed where the mix would
 * play it. One way = round trip / 2: A→SFU→B and B→SFU→A are the same path.
 */
const CLICKS = Number(process.env.BENCH_CLICKS ?? 120);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
/**
 * Seconds between clicks. A click is paired with the first return within one interval, so a round
 * trip of an interval or more would be paired with the next click (a 600 ms round trip read as
 * 100 ms): one way must stay under half of it, which each round checks from the buffers' delay.
 */
const INTERVAL_S = Number(process.env.BENCH_INTERVAL_S ?? 1);
/** Clicks before the measured ones: the jitter buffers' start (ours holds 40 ms for its first 10 s). */
const SETTLE = Number(process.env.BENCH_SETTLE_CLICKS ?? 12);
const PATHS = ['low-latency', 'browser'] as const;
type Path = (typeof PATHS)[number];

/** A receiver's trace from the stream's start, and the frame of its clock when the settling clicks ended. */
type BenchTrace = PlayoutTrace & { settledAt: number };

interface Round {
  path: Path;
  oneWayMs: number[];
  /** Concealed gaps per minute at each receiver (A and B) while the measured clicks played. */
  dropoutsPerMinute: number[];
  bufferMs: number[];
  seconds: number;
  played: string[];
  /** How late A's and B's packets reached the SFU over the counted minute: p99 and most, ms. */
  atSfu: { clicker?: { p99: number; max: number }; echo?: { p99: number; max: number } };
  /** How late an idle thread of this machine woke from 10 ms sleeps meanwhile. */
  wake: WakeLateness;
  /** Our buffer's traces at A and B (our path only). */
  traces?: { a?: BenchTrace; b?: BenchTrace };
}

async function measure(launch: () => Promise<{ page: Page }>, path: Path, clicks: number): Promise<Round> {
  const roomId = await createRoomViaApi(`Latency ${path}`);
  const a = await launch();
  const b = await launch();
  const playout = path;
  for (const p of [a, b]) {
    await p.page.goto(`/room/${roomId}`);
    await p.page.waitForFunction(() => !!window.__bandmate);
  }
  // B: an echo musician publishing whatever its mix receives from A.
  await b.page.evaluate(
    async ({ roomId, playout }) => {
      const ctx = new AudioContext({ sampleRate: 48000, latencyHint: 0 });
      const dest = ctx.createMediaStreamDestination();
      (window as unknown as { echo: unknown }).echo = { ctx, dest };
      await window.__bandmate!.join({ roomId, displayName: 'Echo', role: 'musician', track: dest.stream.getAudioTracks()[0], playout, keepPlayoutPath: true, context: ctx });
    },
    { roomId, playout },
  );
  // A: the click probe; its output is A's send track, its input what A's mix receives from B.
  await a.page.evaluate(
    async ({ roomId, worklet, interval, playout }) => {
      const ctx = new AudioContext({ sampleRate: 48000, latencyHint: 0 });
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
      await window.__bandmate!.join({ roomId, displayName: 'Clicker', role: 'musician', track: dest.stream.getAudioTracks()[0], playout, keepPlayoutPath: true, context: ctx });
    },
    { roomId, worklet: CLICK_PROBE_WORKLET, interval: INTERVAL_S, playout },
  );

  const counts = (page: Page) =>
    page.evaluate(() => {
      const stats = window.__bandmate!.state.peers.find((p) => p.stats)?.stats;
      return { dropouts: stats?.dropouts ?? null, seconds: stats?.playingSeconds ?? null };
    });
  const wire = async (page: Page, from: string, into: 'echo' | 'probe') =>
    page.waitForFunction(
      ({ from, into }) => {
        const s = window.__bandmate!;
        const peer = s.state.peers.find((p) => p.displayName === from);
        const node = peer && s.remoteNode(peer.id);
        if (!node) return false;
        const target = (window as unknown as Record<string, { dest?: AudioNode; probe?: AudioNode }>)[into]!;
        node.connect(into === 'echo' ? target.dest! : target.probe!);
        return true;
      },
      { from, into },
      { timeout: 20_000 },
    );
  await wire(b.page, 'Clicker', 'echo');
  await wire(a.page, 'Echo', 'probe');
  const started = Date.now();
  // Our buffer's trace at each receiver (each frame's arrival, transit and lateness, each dropout)
  // from the stream's start, so that a depth policy replayed on it meets the start as the buffer
  // did; the table counts from the end of the settling clicks. The artifacts keep it.
  const trace = (page: Page, from: string, action: 'start' | 'take') =>
    page.evaluate(
      ({ from, action }) => {
        const s = window.__bandmate!;
        const peer = s.state.peers.find((p) => p.displayName === from);
        return peer ? s.playoutTrace(peer.id, action) : undefined;
      },
      { from, action },
    );
  await trace(a.page, 'Echo', 'start');
  await trace(b.page, 'Clicker', 'start');
  /** The page's audio clock now (samples), which a trace's arrivals are counted on. */
  const frameNow = (page: Page, into: 'echo' | 'probe') =>
    page.evaluate((into) => {
      const { ctx } = (window as unknown as Record<string, { ctx: AudioContext }>)[into]!;
      return Math.round(ctx.currentTime * ctx.sampleRate);
    }, into);

  await a.page.waitForFunction((n) => (window as unknown as { probe: { results: unknown[] } }).probe.results.length >= n, SETTLE, {
    timeout: SETTLE * INTERVAL_S * 1000 * 2 + 30_000,
    polling: 250,
  });
  // The session's stats are a second old at most; the settle clicks left a margin for that.
  const settled = [await counts(a.page), await counts(b.page)];
  const settledAt = { a: await frameNow(a.page, 'probe'), b: await frameNow(b.page, 'echo') };
  const wakeProbe = startWakeProbe();
  await a.page.waitForFunction((n) => (window as unknown as { probe: { results: unknown[] } }).probe.results.length >= n, clicks + SETTLE, {
    timeout: clicks * INTERVAL_S * 1000 * 2 + 20_000,
    polling: 500,
  });
  const rounds = await a.page.evaluate(() =>
    (window as unknown as { probe: { results: Array<{ sent: number; received: number }> } }).probe.results.map((r) => ((r.received - r.sent) / 48000) * 1000),
  );
  const wake = await wakeProbe.stop();
  const atSfu = await sfuArrivals({ clicker: await peerIdAt(b.page, 'Clicker'), echo: await peerIdAt(a.page, 'Echo') });
  // The session polls its stats every second: wait for one poll after the last click.
  await a.page.waitForTimeout(1200);
  const seen = async (page: Page) =>
    page.evaluate(() => {
      const s = window.__bandmate!;
      const peer = s.state.peers.find((p) => p.stats);
      const own = peer ? s.playoutStats(peer.id) : undefined;
      return { stats: peer?.stats, path: s.state.playout?.path ?? 'unknown', own };
    });
  const atA = await seen(a.page);
  const atB = await seen(b.page);
  const settledTrace = (t: PlayoutTrace | undefined, at: number): BenchTrace | undefined => (t ? { ...t, settledAt: at } : undefined);
  const traces = { a: settledTrace(await trace(a.page, 'Echo', 'take'), settledAt.a), b: settledTrace(await trace(b.page, 'Clicker', 'take'), settledAt.b) };
  if (atA.own) {
    const own = atA.own as typeof atA.own & { upstreamLatenessP99Ms?: number; upstreamLatenessMaxMs?: number; decodedLatenessP99Ms?: number; decodedLatenessMaxMs?: number };
    console.log(
      `[${path}] lateness p99/max at A's worklet ${own.latenessP99Ms}/${own.latenessMaxMs} ms, ` +
        `at the SFU ${atSfu.echo?.p99}/${atSfu.echo?.max} ms, at its decoder worker ${own.upstreamLatenessP99Ms?.toFixed(1)}/${own.upstreamLatenessMaxMs?.toFixed(1)} ms, out of its decoder ${own.decodedLatenessP99Ms?.toFixed(1)}/${own.decodedLatenessMaxMs?.toFixed(1)} ms; automatic depth ${own.targetMs} ms; ${own.acceleratedMs} ms cut to come down to it`,
    );
  }
  const perMinute = [atA, atB].map(({ stats: e }, i) => {
    const s = settled[i]!;
    if (e?.dropouts == null || s.dropouts === null || e.playingSeconds == null || s.seconds === null || e.playingSeconds <= s.seconds) return Number.NaN;
    return (e.dropouts - s.dropouts) / ((e.playingSeconds - s.seconds) / 60);
  });
  for (const p of [a, b]) {
    await p.page.evaluate(() => window.__bandmate!.leave());
    await p.page.close();
  }
  return {
    path,
    oneWayMs: rounds.slice(SETTLE).map((ms) => ms / 2),
    dropoutsPerMinute: perMinute,
    bufferMs: [atA, atB].map((s) => s.stats?.bufferMs ?? Number.NaN),
    seconds: (Date.now() - started) / 1000,
    played: [atA.path, atB.path],
    atSfu,
    wake,
    ...(traces.a || traces.b ? { traces } : {}),
  };
}

const peerIdAt = (page: Page, name: string) => page.evaluate((name) => window.__bandmate!.state.peers.find((p) => p.displayName === name)?.id, name);

/** The SFU's bandmate_arrival_lateness_ms (the last minute: the counted clicks) for A's and B's streams. */
async function sfuArrivals(peers: { clicker?: string; echo?: string }): Promise<Round['atSfu']> {
  const text = await (await fetch(`${SFU_URL}/metrics`)).text();
  const read = (peer: string | undefined, stat: string) => {
    const line = peer && text.split('\n').find((l) => l.startsWith('bandmate_arrival_lateness_ms{') && l.includes(`peer="${peer}"`) && l.includes(`stat="${stat}"`));
    return line ? +Number(line.split(' ').pop()).toFixed(1) : undefined;
  };
  const of = (peer?: string) => {
    const p99 = read(peer, 'p99');
    const max = read(peer, 'max');
    return p99 === undefined || max === undefined ? undefined : { p99, max };
  };
  return { clicker: of(peers.clicker), echo: of(peers.echo) };
}

const FIXED_DEPTHS_MS = [10, 20, 30, 40, 60, 80, 100, 150, 200];

/**
 * Dropouts per minute that fixed depths would have had on the recorded arrivals, beside those of
 * our buffer's own depths (replayed, and as it counted them): the depth this machine's jitter needs.
 */
function depthTable(traces: BenchTrace[]) {
  if (traces.length === 0) return undefined;
  const perTrace = traces.map((t) => {
    // From the end of the settling clicks, as the dropouts the table sits beside are counted.
    let from = 0;
    while (from * TRACE_STRIDE < t.frames.length && t.frames[from * TRACE_STRIDE]! < t.settledAt) from++;
    let heard = 0;
    for (let i = 0; i < t.dropouts.length; i += 4) if (t.dropouts[i]! >= t.settledAt) heard++;
    return { lateness: latenessOf(t.frames).slice(from), covered: coveredOf(t.frames).slice(from), heard };
  });
  const frames = perTrace.reduce((n, t) => n + t.lateness.length, 0);
  const minutes = frames / 6000;
  const rate = (depthOf: (t: (typeof perTrace)[number]) => (i: number) => number) =>
    +(perTrace.reduce((n, t) => n + (dropoutsPerMinute(t.lateness, depthOf(t)) * t.lateness.length) / 6000, 0) / minutes).toFixed(2);
  const all = perTrace.flatMap((t) => t.lateness);
  const ms = (samples: number) => +(samples / 48).toFixed(1);
  return {
    minutes,
    p99Ms: ms(quantile(all, 0.99)),
    p999Ms: ms(quantile(all, 0.999)),
    maxMs: ms(Math.max(...all)),
    rows: [
      ...FIXED_DEPTHS_MS.map((d) => ({ depth: `fixed ${d} ms`, dropoutsPerMinute: rate(() => () => d * 48) })),
      { depth: "our buffer's own depths, replayed", dropoutsPerMinute: rate((t) => (i) => t.covered[i]!) },
      { depth: 'our buffer, as it counted them', dropoutsPerMinute: +(perTrace.reduce((n, t) => n + t.heard, 0) / minutes).toFixed(2) },
    ],
  };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test('mouth-to-ear latency through the SFU: our playout path and the browser’s, side by side', async ({ launch }) => {
  const perRound = Math.ceil(CLICKS / ROUNDS);
  test.setTimeout(120_000 + PATHS.length * ROUNDS * (perRound * INTERVAL_S * 1000 * 2 + 30_000));
  const load = os.loadavg()[0]!;
  const rounds: Round[] = [];
  for (let r = 0; r < ROUNDS; r++) for (const path of PATHS) rounds.push(await measure(launch, path, perRound));

  const summary = PATHS.map((path) => {
    const mine = rounds.filter((r) => r.path === path);
    const oneWay = mine.flatMap((r) => r.oneWayMs).sort((x, y) => x - y);
    return {
      path,
      played: [...new Set(mine.flatMap((r) => r.played))].join(','),
      clicks: oneWay.length,
      oneWayMedianMs: +pct(oneWay, 0.5).toFixed(1),
      oneWayP95Ms: +pct(oneWay, 0.95).toFixed(1),
      oneWayMinMs: +oneWay[0]!.toFixed(1),
      oneWayMaxMs: +oneWay[oneWay.length - 1]!.toFixed(1),
      bufferMs: +mean(mine.flatMap((r) => r.bufferMs)).toFixed(1),
      dropoutsPerMinute: +mean(mine.flatMap((r) => r.dropoutsPerMinute)).toFixed(2),
    };
  });
  const [ours, browser] = summary as [(typeof summary)[number], (typeof summary)[number]];
  const ratio = { medianRatio: +(browser.oneWayMedianMs / ours.oneWayMedianMs).toFixed(2), p95Ratio: +(browser.oneWayP95Ms / ours.oneWayP95Ms).toFixed(2) };
  console.log(
    `\nmouth-to-ear latency through the SFU (loopback, one way = round trip / 2; ${ROUNDS} alternating rounds per path, ` +
      `${SETTLE} settling clicks each; 1-min load ${load.toFixed(2)} on ${os.cpus().length} cores)`,
  );
  console.table(summary);
  console.log(`browser's path / ours: median ${ratio.medianRatio}×, p95 ${ratio.p95Ratio}×`);
  const depths = depthTable(rounds.flatMap((r) => [r.traces?.a, r.traces?.b]).filter((t): t is BenchTrace => !!t));
  if (depths) {
    console.log(
      `\nour path, the frames' arrivals at A and B replayed against other buffer depths (${depths.minutes.toFixed(1)} min; lateness p99 ${depths.p99Ms} ms, ` +
        `p99.9 ${depths.p999Ms} ms, most ${depths.maxMs} ms; one render quantum, 2.7 ms, is read ahead on top of each depth):`,
    );
    console.table(depths.rows);
  }
  // Where the lateness arises: the senders' packets as they reached the SFU, before any listener's
  // path, and an idle thread's wake-ups, beside what our buffers saw (the table above).
  console.log('\nlateness before the listeners (ms, p99 / most over each round\'s counted minute): A\'s and B\'s packets as they reached the SFU, and an idle thread of this machine waking from 10 ms sleeps');
  console.table(
    rounds.map((r) => ({
      path: r.path,
      'A→SFU p99/max': r.atSfu.clicker ? `${r.atSfu.clicker.p99} / ${r.atSfu.clicker.max}` : 'n/a',
      'B→SFU p99/max': r.atSfu.echo ? `${r.atSfu.echo.p99} / ${r.atSfu.echo.max}` : 'n/a',
      'thread wake p99/p99.9/max': `${r.wake.p99Ms} / ${r.wake.p999Ms} / ${r.wake.maxMs}`,
    })),
  );
  writeFileSync(
    path.join(ARTIFACTS, 'latency.json'),
    JSON.stringify({ load, cores: os.cpus().length, summary, ratio, depths, rounds }, null, 2),
  );
  for (const s of summary) expect(s.clicks, `${s.path}: clicks that came back`).toBeGreaterThanOrEqual(CLICKS * 0.9);
  // A buffer near half the interval makes round trips that reach it: the pairing would alias.
  for (const r of rounds) {
    expect(Math.max(...r.bufferMs.filter(Number.isFinite)), `${r.path}: buffer delay against the click interval (BENCH_INTERVAL_S)`).toBeLessThan(INTERVAL_S * 500 - 50);
  }
  // Each path really played what it says (ours falls back to the browser's where unsupported).
  expect(ours.played).toBe('low-latency');
  expect(browser.played).toBe('browser');
});
