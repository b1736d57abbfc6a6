import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EnginePace } from '../src/room/engine-pace.ts';

/**
 * Drives an EnginePace with a simulated engine on a simulated clock: a push every 10 ms, answered
 * in order, each taking `costMs(i)` of the engine's time once it can start. Returns the ticks dropped.
 */
function run(ticks: number, budgetMs: number, costMs: (i: number, at: number) => number): { dropped: number; late: number } {
  const pace = new EnginePace();
  const answers: Array<{ at: number; due: number }> = [];
  let engineFree = 0;
  let dropped = 0;
  let late = 0;
  let pushes = 0;
  for (let t = 0; t < ticks * 10; t += 10) {
    while (answers.length && answers[0]!.at <= t) {
      const a = answers.shift()!;
      pace.answered(a.at);
      if (a.at > a.due) late++;
    }
    if (pace.behind(t, budgetMs)) {
      dropped++;
      continue;
    }
    pace.pushed(t);
    const start = Math.max(t, engineFree);
    engineFree = start + costMs(pushes++, start);
    answers.push({ at: engineFree, due: t + budgetMs });
  }
  return { dropped, late };
}

test('a stall of the machine shorter than the budget drops no tick and makes nothing late', () => {
  // 1.5 ms per push, but nothing runs for 120 ms at 2 s (a busy CPU); the budget is 150 ms.
  const { dropped, late } = run(600, 150, (_, at) => (at >= 2000 && at < 2120 ? 2120 - at + 1.5 : 1.5));
  assert.equal(dropped, 0);
  assert.equal(late, 0);
});

test('a stall longer than the budget drops ticks until the engine is on time again', () => {
  const { dropped } = run(600, 150, (_, at) => (at >= 2000 && at < 2300 ? 2300 - at + 1.5 : 1.5));
  assert.ok(dropped > 0 && dropped < 30, `dropped ${dropped}`);
});

test('an engine slower than real time drops ticks and keeps most of what it makes on time', () => {
  // 25 ms per 10 ms push: without dropping, every answer after the first few would be late.
  const { dropped, late } = run(1000, 70, () => 25);
  assert.ok(dropped > 500, `dropped ${dropped}`);
  assert.ok(late < 50, `late ${late} of ${1000 - dropped} pushes`);
});

test('nothing in hand: never behind', () => {
  assert.equal(new EnginePace().behind(0, 0), false);
});
