import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brokenBy, configFromEnv, runBench, summarise } from '../bench/sfu-bench.ts';
import type { WindowFigures } from '../bench/sfu-load.ts';

test('bench:sfu forwards every packet of a small load through a real mediasoup worker and times it', async () => {
  const lines: string[] = [];
  const rows = await runBench({ room: { musicians: 3, listeners: 2 }, steps: [1, 2], warmupSeconds: 1, seconds: 2, srtp: true }, (l) => lines.push(l));
  assert.equal(rows.length, 2, lines.join('\n'));
  const [one, two] = rows as [WindowFigures, WindowFigures];
  // A room of 3 musicians and 2 listeners: each musician hears 2, each listener 3.
  assert.equal(one.forwarded, 3 * 2 + 2 * 3);
  assert.equal(two.forwarded, 2 * one.forwarded);
  for (const f of rows) {
    // 100 packets a second per stream, for the whole window.
    assert.ok(f.expected >= f.forwarded * 100 * f.seconds * 0.9, `expected ${f.expected} packets`);
    assert.ok(f.lossPercent < 0.5, `loss ${f.lossPercent} %`);
    assert.ok(f.delayP50Ms > 0 && f.delayP50Ms < 20, `delay p50 ${f.delayP50Ms} ms`);
    assert.ok(f.workerCores > 0 && f.workerCores < 1, `worker CPU ${f.workerCores}`);
  }
  assert.match(lines.join('\n'), /forwarded/);
});

test('a step breaks on loss, a delay spread or a full core; the summary quotes the largest step under half a core', () => {
  const row = (forwarded: number, workerCores: number, extra: Partial<WindowFigures> = {}): WindowFigures => ({
    forwarded, producers: forwarded / 9, seconds: 5, workerCores, harnessCores: 0.2, expected: forwarded * 500, received: forwarded * 500,
    lossPercent: 0, delayP50Ms: 1, delayP99Ms: 3, delayMaxMs: 5, senderLateMs: 1, ...extra,
  });
  assert.equal(brokenBy(row(100, 0.1)), undefined);
  assert.match(brokenBy(row(100, 0.1, { lossPercent: 2 }))!, /loss/);
  assert.match(brokenBy(row(100, 0.1, { delayP99Ms: 40 }))!, /delay/);
  assert.match(brokenBy(row(100, 0.97))!, /core/);
  const text = summarise([row(200, 0.2), row(400, 0.4), row(600, 0.6), row(900, 0.99)]);
  assert.match(text, /400 streams at 40 % of a core \(1000 per core\)/);
  assert.match(text, /most: 600 streams held at 60 %/);
});

test('the load comes from the environment, and a bad one says what it should be', () => {
  assert.deepEqual(configFromEnv({ BENCH_SFU_ROOM: '2+10', BENCH_SFU_STEPS: '1,3', BENCH_SFU_SECONDS: '4' }), {
    room: { musicians: 2, listeners: 10 }, steps: [1, 3], warmupSeconds: 2, seconds: 4, srtp: true,
  });
  assert.equal(configFromEnv({ BENCH_SFU_SRTP: '0' }).srtp, false);
  assert.throws(() => configFromEnv({ BENCH_SFU_ROOM: 'four' }), /musicians\+listeners/);
  assert.throws(() => configFromEnv({ BENCH_SFU_STEPS: '1,x' }), /BENCH_SFU_STEPS/);
});
