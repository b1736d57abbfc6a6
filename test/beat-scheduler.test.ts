// The metronome's grid and look-ahead scheduler: which beats fall in a window, the count-in,
// each beat handed out exactly once, and tempo changes that continue or restart the grid.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { beatsBetween, describeBeat, nextBarStart, type TempoState } from '@bandmate/shared';
import { BeatScheduler } from '../apps/web/media/beat-scheduler.ts';

const grid = (over: Partial<TempoState> = {}): TempoState => ({
  bpm: 120,
  beatsPerBar: 4,
  running: true,
  startAt: 10_000,
  countInBeats: 4,
  ...over,
});

describe('beat grid', () => {
  test('beats in a window, with the count-in bar before startAt and accents on downbeats', () => {
    const beats = beatsBetween(grid(), 0, 11_600);
    assert.deepEqual(
      beats.map((b) => b.time),
      [8000, 8500, 9000, 9500, 10_000, 10_500, 11_000, 11_500],
      'nothing before the count-in, which is one bar (4 × 500 ms) before startAt',
    );
    assert.deepEqual(beats.map((b) => b.index), [-4, -3, -2, -1, 0, 1, 2, 3]);
    assert.deepEqual(beats.map((b) => b.countIn), [true, true, true, true, false, false, false, false]);
    assert.deepEqual(beats.map((b) => b.accent), [true, false, false, false, true, false, false, false]);
    assert.deepEqual(beats.map((b) => b.bar), [-1, -1, -1, -1, 0, 0, 0, 0]);
  });

  test('a window includes a beat on its start and excludes one on its end', () => {
    assert.deepEqual(beatsBetween(grid(), 10_500, 11_000).map((b) => b.index), [1]);
    assert.deepEqual(beatsBetween(grid(), 10_500.001, 11_000.001).map((b) => b.index), [2]);
    assert.deepEqual(beatsBetween(grid(), 10_600, 10_900), []);
  });

  test('no count-in after a re-anchored change, and nothing while stopped', () => {
    assert.equal(beatsBetween(grid({ countInBeats: 0 }), 0, 10_001)[0]!.index, 0);
    assert.deepEqual(beatsBetween(grid({ running: false, startAt: null }), 0, 1e9), []);
  });

  test('odd metres and tempi: beat 0 of each bar is the accent', () => {
    const t = grid({ bpm: 110, beatsPerBar: 7, startAt: 0, countInBeats: 7 });
    const beats = beatsBetween(t, 0, 60_000);
    assert.equal(beats.length, 110);
    assert.ok(beats.every((b) => b.accent === (b.index % 7 === 0)));
    assert.ok(Math.abs(describeBeat(t, 77).time - 42_000) < 1e-9, '77 beats at 110 BPM = 42 s');
  });

  test('the next bar line of a running grid', () => {
    assert.equal(nextBarStart(grid(), 10_000), 10_000);
    assert.equal(nextBarStart(grid(), 10_001), 12_000);
    assert.equal(nextBarStart(grid(), 5_000), 10_000, 'during the count-in: the first bar');
  });
});

describe('BeatScheduler', () => {
  /** Runs the scheduler as the page's timer does: a window [now, now + lookAhead) every `tick` ms. */
  function run(s: BeatScheduler, from: number, to: number, tick = 25, lookAhead = 200) {
    const out = [];
    for (let now = from; now < to; now += tick) out.push(...s.take(now, now + lookAhead));
    return out;
  }

  test('overlapping windows hand out each beat exactly once, in order, on the grid', () => {
    const s = new BeatScheduler();
    s.setTempo(grid({ bpm: 137, beatsPerBar: 5, startAt: 1000.3, countInBeats: 5 }));
    const beats = run(s, -3000, 60_000, 7, 150);
    const indices = beats.map((b) => b.index);
    assert.equal(indices[0], -5, 'starts with the count-in');
    assert.deepEqual(indices, Array.from({ length: indices.length }, (_, i) => i - 5), 'no beat twice, none missed');
    for (const b of beats) assert.ok(Math.abs(b.time - (1000.3 + (b.index * 60_000) / 137)) < 1e-6);
    assert.equal(s.dropped, 0);
  });

  test('a page that joins mid-run starts at the next beat, without the past count-in', () => {
    const s = new BeatScheduler();
    s.setTempo(grid());
    const first = s.take(10_740, 10_940);
    assert.deepEqual(first.map((b) => b.index), []);
    assert.deepEqual(s.take(10_800, 11_001).map((b) => b.index), [2]);
    assert.equal(s.dropped, 0);
  });

  test('beats that came due while the timer stalled are dropped, not played late', () => {
    const s = new BeatScheduler();
    s.setTempo(grid({ countInBeats: 0 }));
    assert.deepEqual(s.take(10_000, 10_200).map((b) => b.index), [0]);
    // The tab was throttled for 2 s: beats 1–4 (10.5–12 s) are gone.
    assert.deepEqual(s.take(12_100, 12_600).map((b) => b.index), [5]);
    assert.equal(s.dropped, 4);
  });

  test('a repeated announcement of the same grid changes nothing', () => {
    const s = new BeatScheduler();
    assert.deepEqual(s.setTempo(grid()), { cancelFrom: Number.NEGATIVE_INFINITY });
    s.take(7900, 8100);
    assert.equal(s.setTempo(grid()), null);
    assert.deepEqual(s.take(7950, 8150).map((b) => b.index), [], 'beat −4 is not handed out again');
  });

  test('a change that continues the grid keeps the old bars until the new one starts', () => {
    const s = new BeatScheduler();
    s.setTempo(grid());
    const before = run(s, 10_000, 11_000);
    assert.deepEqual(before.map((b) => b.index), [0, 1, 2]);
    // At 11 s the host sets 3/4 at 150 BPM; the server re-anchors on the next bar line (12 s).
    const change = s.setTempo(grid({ bpm: 150, beatsPerBar: 3, startAt: 12_000, countInBeats: 0 }));
    assert.deepEqual(change, { cancelFrom: 12_000 });
    const after = run(s, 11_000, 14_000);
    assert.deepEqual(
      after.map((b) => b.time),
      [11_500, 12_000, 12_400, 12_800, 13_200, 13_600, 14_000],
      'old beat 3 at 11.5 s, then 400 ms beats from 12 s',
    );
    assert.deepEqual(after.map((b) => b.accent), [false, true, false, false, true, false, false]);
  });

  test('a restart or a stop cancels everything not yet played', () => {
    const s = new BeatScheduler();
    s.setTempo(grid());
    run(s, 8000, 9000);
    assert.deepEqual(s.setTempo(grid({ startAt: 20_000 })), { cancelFrom: Number.NEGATIVE_INFINITY });
    assert.equal(run(s, 9000, 17_000).length, 0, 'silence until the new count-in');
    assert.equal(run(s, 17_900, 18_100)[0]!.index, -4);
    assert.deepEqual(s.setTempo(grid({ running: false, startAt: null, countInBeats: 0 })), { cancelFrom: Number.NEGATIVE_INFINITY });
    assert.equal(run(s, 18_100, 30_000).length, 0);
  });
});
