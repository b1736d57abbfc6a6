// The room's metronome on the server: count-in on start, changes on the next bar line,
// restarting the count-in, stop, and the stored tempo loaded when the room opens.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TempoState } from '@bandmate/shared';
import { CHANGE_LEAD_MS, RoomMetronome, START_LEAD_MS } from '../src/metronome/room-metronome.ts';

function metronome() {
  const clock = { now: 50_000 };
  const m = new RoomMetronome(() => clock.now);
  const changes: Array<[TempoState, string]> = [];
  m.on('change', (state, cause) => changes.push([state, cause]));
  return { m, clock, changes };
}

test('starts with one bar of count-in after a lead for the announcement to arrive', () => {
  const { m, changes } = metronome();
  assert.deepEqual(m.state, { bpm: 100, beatsPerBar: 4, running: false, startAt: null, countInBeats: 0 });
  m.setTempo({ bpm: 120, beatsPerBar: 3 });
  const s = m.start();
  assert.equal(s.running, true);
  assert.equal(s.countInBeats, 3);
  assert.equal(s.startAt, 50_000 + START_LEAD_MS + 3 * 500, 'count-in of 3 × 500 ms after the lead');
  assert.deepEqual(changes.map(([, c]) => c), ['tempo', 'transport']);
});

test('a change while running takes effect on the first bar line at least the lead ahead, without count-in', () => {
  const { m, clock } = metronome();
  m.setTempo({ bpm: 120 }); // 4/4: bars of 2 s
  const started = m.start();
  const startAt = started.startAt!;
  clock.now = startAt + 2 * 2000 + 1800; // bar 2, 200 ms before bar 3
  const changed = m.setTempo({ bpm: 90 });
  assert.equal(changed.countInBeats, 0);
  assert.equal(changed.bpm, 90);
  assert.equal(changed.startAt, startAt + 4 * 2000, 'bar 3 is closer than the lead: bar 4');
  assert.ok(changed.startAt! - clock.now >= CHANGE_LEAD_MS);
});

test('a change during the count-in starts the count-in again at the new tempo', () => {
  const { m, clock } = metronome();
  m.start();
  clock.now += 100;
  const s = m.setTempo({ beatsPerBar: 2 });
  assert.equal(s.countInBeats, 2);
  assert.equal(s.startAt, clock.now + START_LEAD_MS + 2 * 600);
});

test('stop clears the grid; the same tempo again is no change', () => {
  const { m, changes } = metronome();
  m.start();
  const n = changes.length;
  assert.equal(m.setTempo({ bpm: 100 }), m.state);
  assert.equal(changes.length, n, 'no announcement for no change');
  const s = m.stop();
  assert.deepEqual(s, { bpm: 100, beatsPerBar: 4, running: false, startAt: null, countInBeats: 0 });
  m.stop();
  assert.equal(changes.length, n + 1);
});

test('values outside the limits are refused', () => {
  const { m } = metronome();
  assert.throws(() => m.setTempo({ bpm: 29 }), RangeError);
  assert.throws(() => m.setTempo({ bpm: 301 }), RangeError);
  assert.throws(() => m.setTempo({ bpm: 120.5 }), RangeError);
  assert.throws(() => m.setTempo({ beatsPerBar: 0 }), RangeError);
  assert.throws(() => m.setTempo({ beatsPerBar: 13 }), RangeError);
  assert.equal(m.state.bpm, 100);
});

test('the stored tempo is restored unless the host changed it first', () => {
  const a = metronome();
  a.m.restore({ bpm: 140, beatsPerBar: 6 });
  assert.equal(a.m.state.bpm, 140);
  assert.equal(a.changes[0]![1], 'restore');
  const b = metronome();
  b.m.setTempo({ bpm: 80 });
  b.m.restore({ bpm: 140, beatsPerBar: 6 });
  assert.equal(b.m.state.bpm, 80, 'a late database read does not undo the host');
});
