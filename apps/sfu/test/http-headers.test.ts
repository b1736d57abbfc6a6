// The SFU's HTTP API serves JSON and audio files, never pages: every answer says so to browsers
// (no sniffing a type, no framing, nothing loaded or run from it), refusals and file downloads included.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

test('every answer of the HTTP API: nosniff, no framing, nothing to load', async () => {
  const requests: Array<[string, string, Record<string, string>?]> = [
    ['GET', '/health'],
    ['GET', '/api/rooms'],
    ['GET', '/api/rooms/none-such'],
    ['GET', '/api/no-route'],
    ['OPTIONS', '/api/rooms', { origin: 'http://localhost:3000' }],
    ['GET', '/api/auth/me', { origin: 'https://evil.example' }],
    ['GET', '/api/rooms/abcd/recordings'],
    ['POST', '/api/demoXYZ'],
  ];
  for (const [method, path, headers] of requests) {
    const res = await fetch(`${h.sfu.url}${path}`, { method, headers });
    await res.arrayBuffer();
    const what = `${method} ${path} (${res.status})`;
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what);
    assert.equal(res.headers.get('x-frame-options'), 'DENY', what);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'; frame-ancestors 'none'/, what);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer', what);
  }
});
