// The web app's security headers: the fixed ones from next.config.js on every response, and the
// Content-Security-Policy apps/web/proxy.ts makes per page (a nonce, the SFU's address now).
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import type { NextConfig } from 'next';
import { NextRequest } from 'next/server';
// @ts-expect-error plain ESM config without types (its JSDoc says NextConfig)
import loadedConfig from '../next.config.js';
import { proxy } from '../apps/web/proxy.ts';

/** "a b; c d" → { a: ['b'], c: ['d'] } */
function directives(policy: string): Record<string, string[]> {
  return Object.fromEntries(policy.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
}

const nextConfig = loadedConfig as NextConfig;
const saved = { url: process.env.SFU_PUBLIC_URL, port: process.env.SFU_PUBLIC_PORT };
afterEach(() => {
  for (const [key, value] of [['SFU_PUBLIC_URL', saved.url], ['SFU_PUBLIC_PORT', saved.port]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

test('every response: no framing, no sniffing, origin-only referrers, the microphone for this site only', async () => {
  const rules = (await nextConfig.headers?.()) ?? [];
  const everywhere = rules.find((r) => r.source === '/:path*');
  assert.ok(everywhere, 'a rule for every path');
  const headers = Object.fromEntries(everywhere.headers.map((h) => [h.key.toLowerCase(), h.value]));
  assert.equal(headers['x-frame-options'], 'DENY');
  assert.equal(headers['x-content-type-options'], 'nosniff');
  assert.match(headers['referrer-policy'] ?? '', /^(strict-origin-when-cross-origin|no-referrer)$/);
  assert.match(headers['permissions-policy'] ?? '', /(^|, )microphone=\(self\)(,|$)/);
  assert.match(headers['permissions-policy'] ?? '', /camera=\(\)/);
});

test('a page’s CSP: scripts by nonce (no unsafe-inline or eval), no framing, the SFU of SFU_PUBLIC_URL reachable', () => {
  process.env.SFU_PUBLIC_URL = 'https://sfu.jam.example/';
  const res = proxy(new NextRequest('http://jam.example/room/abc?invite=t.k'));
  const policy = res.headers.get('content-security-policy') ?? '';
  const csp = directives(policy);
  const nonce = csp['script-src']?.find((s) => s.startsWith("'nonce-"));
  assert.match(nonce ?? '', /^'nonce-[A-Za-z0-9+/]{22}==?'$/);
  assert.deepEqual(csp['script-src']?.filter((s) => !s.startsWith("'nonce-")), ["'self'", 'blob:']);
  assert.deepEqual(csp['default-src'], ["'self'"]);
  assert.deepEqual(csp['frame-ancestors'], ["'none'"]);
  assert.deepEqual(csp['object-src'], ["'none'"]);
  assert.deepEqual(csp['base-uri'], ["'none'"]);
  assert.deepEqual(csp['connect-src'], ["'self'", 'https://sfu.jam.example', 'wss://sfu.jam.example']);
  assert.ok(csp['media-src']?.includes('https://sfu.jam.example'), 'recordings play from the SFU');
  // Next.js reads the nonce from the request's policy to put it on the page's scripts.
  assert.equal(res.headers.get('x-middleware-request-content-security-policy'), policy);

  const again = directives(proxy(new NextRequest('http://jam.example/')).headers.get('content-security-policy') ?? '');
  assert.notDeepEqual(again['script-src'], csp['script-src'], 'a fresh nonce per response');
});

test('without SFU_PUBLIC_URL the SFU is on the page’s host at SFU_PUBLIC_PORT; a strange Host header widens nothing else', () => {
  delete process.env.SFU_PUBLIC_URL;
  process.env.SFU_PUBLIC_PORT = '4100';
  const policyFor = (host: string) =>
    directives(proxy(new NextRequest(`http://${host}/`, { headers: { host } })).headers.get('content-security-policy') ?? '');
  for (const host of ['192.168.1.20', '127.0.0.1', 'localhost', 'jam.example']) {
    const csp = policyFor(`${host}:3000`);
    assert.deepEqual(csp['connect-src'], ["'self'", ...['http', 'https', 'ws', 'wss'].map((s) => `${s}://${host}:4100`)], host);
    assert.deepEqual(csp['media-src'], ["'self'", 'blob:', `http://${host}:4100`, `https://${host}:4100`], host);
  }
  const v6 = policyFor('[::1]:3000');
  assert.deepEqual(v6['connect-src']?.slice(1), ['http', 'https', 'ws', 'wss'].map((s) => `${s}://*:4100`), 'CSP cannot write an IPv6 host: any host, the SFU port only');
  const injected = proxy(new NextRequest('http://jam.example/', { headers: { host: "x;script-src 'unsafe-inline'" } })).headers.get('content-security-policy') ?? '';
  assert.deepEqual(directives(injected)['script-src']?.filter((s) => !s.startsWith("'nonce-")), ["'self'", 'blob:'], 'a Host header cannot add sources');
});
