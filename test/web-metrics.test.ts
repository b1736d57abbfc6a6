// The web server's /metrics (apps/web/app/metrics/route.ts): its process metrics for Prometheus,
// for the operator only (a request straight to it on loopback, or the METRICS_TOKEN bearer).
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { GET } from '../apps/web/app/metrics/route.ts';

afterEach(() => delete process.env.METRICS_TOKEN);
const get = (headers: Record<string, string>) => GET(new Request('http://127.0.0.1:3000/metrics', { headers }));

test('a scrape on loopback gets the process metrics in the Prometheus format', async () => {
  const res = await get({ host: '127.0.0.1:3000' });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const rss = Number(/^bandmate_web_process_resident_memory_bytes (\d+)/m.exec(text)?.[1]);
  assert.ok(rss > 10e6, `resident memory ${rss}`);
  assert.match(text, /^bandmate_web_nodejs_eventloop_lag_p99_seconds \d/m);
});

test('a proxied or remote request is refused; with METRICS_TOKEN only its bearer gets in', async () => {
  assert.equal((await get({ host: '127.0.0.1:3000', 'x-forwarded-for': '203.0.113.9' })).status, 403);
  assert.equal((await get({ host: 'jam.example.com' })).status, 403);
  process.env.METRICS_TOKEN = 'the-web-metrics-scrape-token';
  assert.equal((await get({ host: '127.0.0.1:3000' })).status, 403, 'loopback is not enough once a token is set');
  assert.equal((await get({ host: 'jam.example.com', authorization: 'Bearer the-web-metrics-scrape-token' })).status, 200);
});
