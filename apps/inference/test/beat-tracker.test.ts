import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { beatTrackerSpecSchema } from '@bandmate/shared';
import { BeatTracker } from '../src/engine/beat-tracker.ts';

/** Written by ml/scripts/tracker_fixture.py: onsets and the Python tracker's grid per frame [on, phase, beats/frame, bar phase]. */
const fixture = JSON.parse(readFileSync(new URL('./fixtures/beat-tracker-cases.json', import.meta.url), 'utf8')) as {
  spec: unknown;
  cases: Array<{ name: string; leadHops: number; onsets: number[]; grid: number[][] }>;
};
const spec = beatTrackerSpecSchema.parse(fixture.spec);
const circular = (a: number, b: number) => Math.abs(((a - b + 1.5) % 1) - 0.5);

for (const c of fixture.cases) {
  test(`beat tracker: the Python tracker's grid, frame by frame (${c.name})`, () => {
    const tracker = new BeatTracker(spec, c.leadHops);
    let on = 0;
    c.grid.forEach(([pyOn, phase, rate, bar], i) => {
      if (i > 0) tracker.push(c.onsets.slice(4 * (i - 1), 4 * i));
      const g = tracker.grid(i);
      assert.equal(g !== null, pyOn === 1, `frame ${i}: grid ${g ? 'on' : 'off'}, Python's ${pyOn ? 'on' : 'off'}`);
      if (!g) return;
      on++;
      assert.ok(circular(g.phase, phase!) < 1e-5, `frame ${i}: phase ${g.phase} vs ${phase}`);
      assert.ok(Math.abs(g.beatsPerFrame - rate!) < 1e-6, `frame ${i}: rate ${g.beatsPerFrame} vs ${rate}`);
      assert.ok(circular(g.barPhase, bar!) < 1e-5, `frame ${i}: bar ${g.barPhase} vs ${bar}`);
    });
    assert.ok(on > c.grid.length / 2, 'the case exercises the tracking');
  });
}

test('beat tracker: out-of-range settings in the manifest block are refused', () => {
  assert.equal(beatTrackerSpecSchema.safeParse({ ...spec, quietRatio: 2 }).success, false);
});
