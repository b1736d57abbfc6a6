import assert from 'node:assert/strict';
import { afterEach, mock, test } from 'node:test';
import { onMeterTick } from '../apps/web/components/meter-clock.ts';

afterEach(() => {
  mock.timers.reset();
  delete (globalThis as { document?: unknown }).document;
});

test('every meter draws from one timer, ~15 times a second, and the timer stops with the last meter', () => {
  mock.timers.enable({ apis: ['setInterval'] });
  const setInterval = mock.method(globalThis, 'setInterval');
  const draws = { a: 0, b: 0 };
  const stopA = onMeterTick(() => draws.a++);
  const stopB = onMeterTick(() => draws.b++);
  assert.equal(setInterval.mock.callCount(), 1, 'one timer for both meters');
  mock.timers.tick(1000);
  assert.ok(draws.a >= 14 && draws.a <= 16, `a drew ${draws.a} times in a second`);
  assert.equal(draws.b, draws.a);
  stopA();
  mock.timers.tick(1000);
  assert.ok(draws.a <= 16, 'a stopped drawing');
  assert.ok(draws.b >= 28, 'b goes on');
  stopB();
  const b = draws.b;
  mock.timers.tick(1000);
  assert.equal(draws.b, b);
  onMeterTick(() => draws.a++)();
  assert.equal(setInterval.mock.callCount(), 2, 'a new timer after the last one stopped');
});

test('nothing is drawn while the page is hidden', () => {
  mock.timers.enable({ apis: ['setInterval'] });
  const page = { hidden: true };
  (globalThis as { document?: unknown }).document = page;
  let draws = 0;
  const stop = onMeterTick(() => draws++);
  mock.timers.tick(1000);
  assert.equal(draws, 0);
  page.hidden = false;
  mock.timers.tick(1000);
  assert.ok(draws >= 14);
  stop();
});
