// Behind a trusted reverse proxy the client's address comes from X-Forwarded-For. A client can put
// anything in the header it sends; the proxy appends what it saw. Only that last entry counts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { clientAddress } from '../src/auth/access-limits.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness({ SFU_TRUST_PROXY: '1', SFU_LIMIT_AUTH_IP: '3/1' });
});
after(async () => {
  await h.close();
});

test('the right-most X-Forwarded-For entry is the client; what the client made up to its left is not', () => {
  assert.equal(clientAddress('127.0.0.1', '6.6.6.6, 203.0.113.9', true), '203.0.113.9');
  assert.equal(clientAddress('127.0.0.1', ['6.6.6.6', '7.7.7.7, ::ffff:203.0.113.9'], true), '203.0.113.9');
  assert.equal(clientAddress('127.0.0.1', ' , ', true), '127.0.0.1', 'an empty entry falls back to the connection');
  assert.equal(clientAddress('127.0.0.1', '6.6.6.6, 203.0.113.9', false), '127.0.0.1', 'not trusted: the connection');
});

test('a client that forges a new left-most address per request still hits its address limit', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) {
    const res = await fetch(`${h.sfu.url}/api/auth/signin`, {
      method: 'POST',
      // The proxy appended 198.51.100.7, the address it received the request from.
      headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.0.${i}.1, 198.51.100.7` },
      body: JSON.stringify({ email: `nobody-${i}@example.com`, password: 'not a password' }),
    });
    statuses.push(res.status);
  }
  assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
  // Another client behind the same proxy has its own bucket.
  const other = await fetch(`${h.sfu.url}/api/auth/signin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.8' },
    body: JSON.stringify({ email: 'nobody@example.com', password: 'not a password' }),
  });
  assert.equal(other.status, 401);
});
