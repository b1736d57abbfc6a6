// The clock-sync estimator: offset from NTP-style exchanges over simulated networks with
// asymmetric, jittery delays, and the choice of the minimum-round-trip exchange.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ClockEstimator,
  ClockSync,
  sampleOffsetMs,
  sampleRttMs,
  slewOffset,
  type ClockSample,
} from '../apps/web/media/clock-sync.ts';

/** A deterministic PRNG (mulberry32), so a failing case can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One exchange: the server clock reads local + offset; `up`/`down` are the two legs' delays. */
function exchange(localSend: number, offset: number, up: number, down: number, serverWork = 0.05): ClockSample {
  const t1 = localSend + up + offset;
  const t2 = t1 + serverWork;
  return { t0: localSend, t1, t2, t3: t2 - offset + down };
}

describe('one exchange', () => {
  test('symmetric delays give the exact offset, and the round trip excludes the server’s work', () => {
    const s = exchange(1000, 250.5, 7, 7, 3);
    assert.equal(sampleOffsetMs(s), 250.5);
    assert.equal(sampleRttMs(s), 14);
  });

  test('an asymmetric exchange is off by half the difference of its legs, within ± RTT/2', () => {
    const s = exchange(1000, -40, 2, 30);
    const error = sampleOffsetMs(s) - -40;
    assert.equal(error, (2 - 30) / 2);
    assert.ok(Math.abs(error) <= sampleRttMs(s) / 2);
  });
});

describe('ClockEstimator', () => {
  test('picks the minimum-round-trip sample, not the latest or an average', () => {
    const e = new ClockEstimator(8);
    const offset = 1234.5;
    e.add(exchange(0, offset, 1, 40)); // fast up, slow down: offset 19.5 ms too low
    e.add(exchange(100, offset, 25, 2)); // slow up: 11.5 ms too high
    const best = exchange(200, offset, 1.2, 1.0); // quickest: 0.1 ms off
    e.add(best);
    e.add(exchange(300, offset, 9, 3));
    const est = e.estimate()!;
    assert.equal(est.offsetMs, sampleOffsetMs(best));
    assert.equal(est.rttMs, sampleRttMs(best));
    assert.equal(est.uncertaintyMs, sampleRttMs(best) / 2);
    assert.ok(Math.abs(est.offsetMs - offset) < 0.11);
    assert.equal(est.samples, 4);
  });

  test('over simulated asymmetric networks the estimate is within its stated uncertainty and close', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const rnd = random(seed);
      const trueOffset = (rnd() - 0.5) * 2e6;
      // A path with a fixed asymmetry (uplink slower), queueing jitter on each leg, and spikes.
      const baseUp = 2 + rnd() * 20;
      const baseDown = 2 + rnd() * 5;
      const e = new ClockEstimator(16);
      for (let i = 0; i < 16; i++) {
        const spike = rnd() < 0.2 ? 50 * rnd() : 0;
        const up = baseUp + rnd() * 3 + (rnd() < 0.5 ? spike : 0);
        const down = baseDown + rnd() * 3 + (rnd() < 0.5 ? 0 : spike);
        e.add(exchange(i * 2000, trueOffset, up, down));
      }
      const est = e.estimate()!;
      const error = Math.abs(est.offsetMs - trueOffset);
      assert.ok(error <= est.uncertaintyMs + 1e-6, `seed ${seed}: error ${error} above ± ${est.uncertaintyMs}`);
      // The irreducible part is half the fixed asymmetry; jitter adds at most 1.5 ms.
      assert.ok(error <= Math.abs(baseUp - baseDown) / 2 + 1.5 + 1e-6, `seed ${seed}: error ${error}`);
    }
  });

  test('with a symmetric path and jitter, more samples bring the estimate closer', () => {
    const rnd = random(7);
    const offset = 5000;
    const e = new ClockEstimator(64);
    const errors: number[] = [];
    for (let i = 0; i < 64; i++) {
      e.add(exchange(i * 100, offset, 5 + 20 * rnd() ** 3, 5 + 20 * rnd() ** 3));
      errors.push(Math.abs(e.estimate()!.offsetMs - offset));
    }
    assert.ok(errors.at(-1)! <= errors[0]! + 1e-9);
    assert.ok(errors.at(-1)! < 1, `after 64 samples: ${errors.at(-1)} ms`);
  });

  test('old samples leave the window, so a stale quick sample cannot pin a drifted clock', () => {
    const e = new ClockEstimator(4);
    e.add(exchange(0, 100, 0.5, 0.5)); // very quick, but the clock then drifts by 3 ms
    for (let i = 1; i <= 4; i++) e.add(exchange(i * 2000, 103, 2, 2));
    assert.equal(e.estimate()!.offsetMs, 103);
    assert.equal(e.estimate()!.samples, 4);
  });

  test('impossible samples are refused', () => {
    const e = new ClockEstimator();
    assert.equal(e.add({ t0: 10, t1: 5, t2: 4, t3: 20 }), false, 'server answered before it received');
    assert.equal(e.add({ t0: 10, t1: 0, t2: 50, t3: 20 }), false, 'negative round trip');
    assert.equal(e.add({ t0: Number.NaN, t1: 0, t2: 0, t3: 20 }), false);
    assert.equal(e.estimate(), null);
  });
});

describe('ClockSync', () => {
  test('exchanges through the ping function and converts both ways', async () => {
    let local = 1_000_000;
    const offset = -321.25;
    const sync = new ClockSync(
      async (t0) => {
        local += 3; // uplink
        const t1 = local + offset;
        local += 4; // downlink
        return { t0, t1, t2: t1 };
      },
      {},
      () => local,
    );
    assert.equal(sync.synced, false);
    let notified = 0;
    sync.subscribe(() => notified++);
    await sync.exchange();
    await sync.exchange();
    assert.equal(notified, 2);
    const est = sync.estimate!;
    assert.equal(est.rttMs, 7);
    assert.equal(est.offsetMs, offset - 0.5, 'off by half the 1 ms asymmetry');
    assert.equal(sync.toLocal(sync.toServer(12345)), 12345);
    assert.equal(sync.serverNow(), local + est.offsetMs);
  });

  test('a failed or mismatched reply is ignored', async () => {
    const sync = new ClockSync(async (t0) => {
      if (t0 > 0) throw new Error('disconnected');
      return { t0: 0, t1: 0, t2: 0 };
    }, {}, () => 5);
    await sync.exchange();
    assert.equal(sync.synced, false);
    const stale = new ClockSync(async () => ({ t0: 1, t1: 2, t2: 2 }), {}, () => 5);
    await stale.exchange();
    assert.equal(stale.synced, false, 'a reply to another ping');
  });
});

describe('slewing the applied offset', () => {
  const policy = { rateMsPerS: 1, stepMs: 10 };

  test('a small correction is spread out at the slew rate, a large one or the first is stepped', () => {
    assert.equal(slewOffset(null, 3.5, 0, policy), 3.5, 'first sync');
    assert.equal(slewOffset(0, 3, 400, policy), 0.4, 'one 150-BPM beat later: 0.4 ms of the 3 ms');
    assert.equal(slewOffset(0, -3, 400, policy), -0.4);
    assert.equal(slewOffset(0, 0.2, 400, policy), 0.2, 'reached');
    assert.equal(slewOffset(0, 25, 10, policy), 25, 'off by more than the step threshold');
  });

  test('ClockSync schedules with the slewed offset while showing the raw estimate', async () => {
    let local = 0;
    let serverOffset = 100;
    let rtt = 4;
    const sync = new ClockSync(
      async (t0) => {
        local += rtt / 2;
        const t1 = local + serverOffset;
        local += rtt / 2;
        return { t0, t1, t2: t1 };
      },
      { slew: policy },
      () => local,
    );
    await sync.exchange();
    assert.equal(sync.offsetMs, 100);
    serverOffset = 103; // the quicker exchange below reveals the clock is 3 ms further
    rtt = 1;
    await sync.exchange();
    assert.equal(sync.estimate!.offsetMs, 103);
    const start = local;
    const applied: number[] = [];
    for (let t = 0; t <= 4000; t += 500) {
      local = start + t;
      applied.push(Math.round(sync.offsetMs * 100) / 100);
    }
    assert.deepEqual(applied, [100, 100.5, 101, 101.5, 102, 102.5, 103, 103, 103]);
  });
});
