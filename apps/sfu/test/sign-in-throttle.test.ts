// Password guessing on someone else's account: the guesser is slowed, per account and address,
// and the account's answers come progressively later; its owner is never refused.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SignInThrottle } from '../src/auth/sign-in-throttle.ts';
import { BrowserClient, startHarness, type Harness } from './harness.ts';

const OWNER_ADDRESS = '198.51.100.2';
const GUESSER_ADDRESS = '203.0.113.66';
const EMAIL = `owner-${process.pid}@example.com`;
const PASSWORD = 'the owner knows this one';

let h: Harness;
before(async () => {
  // Behind a proxy of our own, so that one test process can be two addresses.
  h = await startHarness({ SFU_TRUST_PROXY: '1', SFU_SIGNIN_DELAY_MS: '40' });
  const up = await new BrowserClient(h.sfu, OWNER_ADDRESS).signUp({ email: EMAIL, password: PASSWORD, displayName: 'Owner' });
  assert.equal(up.status, 201);
});
after(async () => {
  await h.close();
});

async function post(path: string, address: string, body: unknown) {
  const started = performance.now();
  const res = await fetch(`${h.sfu.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - started };
}

test("ten wrong passwords from one address slow that address and the account, and the owner still gets in", async () => {
  const guesses = [];
  for (let i = 0; i < 12; i++) guesses.push(await post('/api/auth/signin', GUESSER_ADDRESS, { email: EMAIL, password: `guess ${i}` }));
  assert.deepEqual(guesses.map((g) => g.status), [...Array(10).fill(401), 429, 429], 'the guesser’s own bucket (10 per account and address)');
  // Answers for the account come later and later after 5 failures: 40, 80, 160, 320, 640 ms.
  assert.ok(guesses[9]!.ms >= 600, `the tenth guess waited ${guesses[9]!.ms.toFixed(0)} ms`);

  const owner = await post('/api/auth/signin', OWNER_ADDRESS, { email: EMAIL, password: PASSWORD });
  assert.equal(owner.status, 200, 'the owner is not locked out');
  assert.ok(owner.ms >= 1200, `but waited ${owner.ms.toFixed(0)} ms (40 ms × 32 after 10 failures)`);
});

test('the delay doubles per failure after five, stops growing at 32×, and clears on success or after a quiet 15 min', () => {
  let now = 0;
  const throttle = new SignInThrottle(100, 5, 10, () => now);
  const delays: number[] = [];
  for (let i = 0; i < 12; i++) {
    delays.push(throttle.delayMs('a@example.com'));
    throttle.failed('a@example.com');
  }
  assert.deepEqual(delays, [0, 0, 0, 0, 0, 100, 200, 400, 800, 1600, 3200, 3200]);
  assert.equal(throttle.delayMs('b@example.com'), 0, 'per account');
  throttle.succeeded('a@example.com');
  assert.equal(throttle.delayMs('a@example.com'), 0);
  for (let i = 0; i < 6; i++) throttle.failed('a@example.com');
  now += 15 * 60 * 1000 + 1;
  assert.equal(throttle.delayMs('a@example.com'), 0);
  for (let i = 0; i < 20; i++) for (let k = 0; k < 5; k++) throttle.failed(`flood-${i}@example.com`);
  assert.equal(throttle.delayMs('flood-19@example.com'), 100);
  assert.equal(throttle.delayMs('flood-0@example.com'), 0, 'bounded memory: the oldest accounts are forgotten first');
});
