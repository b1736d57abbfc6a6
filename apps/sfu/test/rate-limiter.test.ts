import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimiter } from '../src/signalling/rate-limiter.ts';

test('allows a burst, then refills at the sustained rate', () => {
  let now = 0;
  const limiter = new RateLimiter(10, 5, () => now);
  for (let i = 0; i < 5; i++) assert.equal(limiter.take(), true);
  assert.equal(limiter.take(), false);
  now += 100; // one token at 10/s
  assert.equal(limiter.take(), true);
  assert.equal(limiter.take(), false);
  now += 10_000; // refill caps at the burst
  for (let i = 0; i < 5; i++) assert.equal(limiter.take(), true);
  assert.equal(limiter.take(), false);
});
