import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { aiConfigFromEnv, LAG_LIMIT_MS, runAiBench, summariseAi, type AiStepFigures } from '../bench/ai-bench.ts';
import { writeFixtureModel } from './fixtures/build-fixture-models.ts';

test('bench:ai drives every player in real time through the engine and measures it', async () => {
  const modelDir = writeFixtureModel('identity', mkdtempSync(path.join(os.tmpdir(), 'ai-bench-')));
  const lines: string[] = [];
  const rows = await runAiBench({ modelDir, steps: [1, 3], warmupSeconds: 0.5, seconds: 1.5 }, (l) => lines.push(l));
  assert.equal(rows.length, 2, lines.join('\n'));
  assert.deepEqual(rows.map((r) => r.players), [1, 3]);
  for (const r of rows) {
    // Each player's accompaniment comes out at the room rate, as fast as the mix goes in.
    assert.ok(Math.abs(r.outputRate - 48000) < 48000 * 0.1, `output ${r.outputRate} samples/s per player`);
    assert.ok(r.lagP99Ms <= LAG_LIMIT_MS, `round lag p99 ${r.lagP99Ms} ms`);
    assert.ok(r.cores > 0 && r.steps >= r.calls && r.calls > 0, JSON.stringify(r));
  }
});

test('the summary quotes the most players that kept real time; a bad load says what it should be', () => {
  const row = (players: number, cores: number, lagP99Ms: number): AiStepFigures => ({
    players, seconds: 6, cores, lagP50Ms: 1, lagP99Ms, lagMaxMs: lagP99Ms, calls: 100, steps: 100 * players, outputRate: 48000,
  });
  assert.match(summariseAi([row(4, 0.4, 5), row(8, 0.8, 12), row(16, 1.9, 300)]), /8 AI players in real time .* 10\.0 players per core/);
  assert.equal(summariseAi([row(4, 2, 300)]), 'no step kept real time');
  assert.throws(() => aiConfigFromEnv({ BENCH_AI_STEPS: '0,2' }), /BENCH_AI_STEPS/);
  assert.throws(() => aiConfigFromEnv({ BENCH_AI_MODEL: path.join(os.tmpdir(), 'no-such-model') }), /no model/);
});
