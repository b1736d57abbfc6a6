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

test('a target of slashes only ("//", "///") or "//host/…" is a path: answered 404 in the error model, not left hanging', async () => {
  // Found by fuzz-http.test.ts: new URL('///', base) threw before the request was answered.
  const { request } = await import('node:http');
  const url = new URL(h.sfu.url);
  for (const path of ['//', '///', '//api/rooms', '//evil.example/api/demo']) {
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path, method: 'POST', timeout: 3000 }, (r) => {
        let body = '';
        r.on('data', (d) => (body += d));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('timeout', () => req.destroy(new Error(`${path}: no answer in 3 s`)));
      req.on('error', reject);
      req.end();
    });
    assert.equal(res.status, 404, path);
    assert.equal((JSON.parse(res.body) as { error: { code: string } }).error.code, 'not_found', path);
  }
});
