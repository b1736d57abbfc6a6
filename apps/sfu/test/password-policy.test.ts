// Sign-up refuses the passwords a guesser tries first: the most common ones, the email itself,
// and the same few characters over and over.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { COMMON_PASSWORD_COUNT } from '../src/auth/password-policy.ts';
import { BrowserClient, startHarness, type Harness } from './harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

test('common, email-like and repetitive passwords are refused with a reason; a good one is taken', async () => {
  const email = `Ada.Lovelace-${process.pid}@example.com`;
  const refused: Array<[string, RegExp]> = [
    ['12345678', /most common/],
    ['Password1', /most common/],
    ['QWERTYUIOP', /most common/],
    [' '.repeat(8), /not spaces/],
    [' '.repeat(20), /not spaces/],
    ['abababab', /different characters/],
    ['aaaaaaaaaaaa', /different characters/],
    [email, /email/],
    [email.toUpperCase(), /email/],
    [`ada.lovelace-${process.pid}`, /email/],
  ];
  const client = new BrowserClient(h.sfu);
  for (const [password, why] of refused) {
    const res = await client.signUp({ email, password, displayName: 'Ada' });
    assert.deepEqual([res.status, res.body.error?.code], [400, 'bad_request'], JSON.stringify(password));
    assert.match(res.body.error.message, why, JSON.stringify(password));
  }
  assert.equal(client.cookie, undefined, 'no account, no session');
  const signIn = await client.api('POST', '/api/auth/signin', { email, password: '12345678' });
  assert.equal(signIn.status, 401, 'nothing was created');
  const ok = await client.signUp({ email, password: 'analytical engine 1843', displayName: 'Ada' });
  assert.equal(ok.status, 201);
  client.close();
  assert.ok(COMMON_PASSWORD_COUNT >= 200, `${COMMON_PASSWORD_COUNT} common passwords shipped`);
});
