// The AI worker process killed (SIGKILL) while a room's AI plays (issue 12's fault list): the room
// plays on, the AI shows the outage, and a new worker process, started as `npm start`'s supervisor
// does (1 s later), has the AI playing again: the time from the kill is measured.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeFixtureModel } from '../../inference/test/fixtures/build-fixture-models.ts';
import { dashboardMetrics } from './dashboard.ts';
import { askOk, connect, createRoom, freePort, HARNESS_DATABASES, joinRoom, startHarness, type Harness, untilAiState, waitFor } from './harness.ts';

const AGENT_SECRET = 'the-worker-kill-test-secret';
/** What scripts/start.mjs waits before it starts a worker that exited again. */
const SUPERVISOR_DELAY_MS = 1000;
const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-kill-'));
// WORKER_KILL_MODEL_DIR=models/default times it with the shipped model (its load is part of the return).
const modelDir = process.env.WORKER_KILL_MODEL_DIR ?? writeFixtureModel('identity', path.join(dir, 'identity'));
let h: Harness;
const workers: ChildProcess[] = [];
/** The worker's own /metrics (issue 11), scraped once it plays again. */
let metricsPort: number;

before(async () => {
  metricsPort = await freePort();
});
after(() => {
  for (const w of workers) w.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** The inference worker as `npm start` runs it: its own process, apps/inference/src/main.ts. */
function startWorker(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/inference/src/main.ts'], {
    env: { ...process.env, SFU_AGENT_URL: h.sfu.url, AGENT_SECRET, BANDMATE_MODEL_DIR: modelDir, LOG_LEVEL: 'warn', INFERENCE_METRICS_PORT: String(metricsPort), ...(process.env.WORKER_KILL_MODEL_DIR ? {} : { BANDMATE_TF: '-0.1', BANDMATE_K: '0.01' }) },
    stdio: 'ignore',
  });
  workers.push(child);
  return child;
}


for (const database of HARNESS_DATABASES) {
  describe(`on ${database.name}`, { skip: database.skip }, () => {
    before(async () => {
      h = await startHarness({ AGENT_SECRET, ...database.env });
    });
    after(async () => {
      for (const w of workers.splice(0)) w.kill('SIGKILL');
      await h.close();
    });
    test('the AI worker process killed: the room plays on, and a new one (started 1 s later) has the AI playing again within 5 s', { timeout: 60_000 }, workerProcessKilled);
  });
}

async function workerProcessKilled() {
  const first = startWorker();
  const end = Date.now() + 30_000;
  while (!h.sfu.agents.info && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  assert.ok(h.sfu.agents.info, 'the worker connected');
  const { id } = await createRoom(h.sfu, 'Worker kill');
  const host = await connect(h.sfu);
  await joinRoom(host, id, 'Hana');
  const playing = untilAiState(host, 'playing', 20_000);
  await askOk(host, 'addAiPlayer', { instrument: h.sfu.agents.info!.instruments[0]! });
  await playing;

  const lost = untilAiState(host, 'error', 10_000);
  const killedAt = Date.now();
  first.kill('SIGKILL');
  await lost;
  const lostMs = Date.now() - killedAt;
  assert.ok(h.sfu.registry.get(id), 'the room plays on');
  await new Promise((r) => setTimeout(r, SUPERVISOR_DELAY_MS));
  const back = untilAiState(host, 'playing', 20_000);
  startWorker();
  await back;
  const backMs = Date.now() - killedAt;
  console.log(`# AI worker killed: the room saw it lost after ${lostMs} ms; a new worker started ${SUPERVISOR_DELAY_MS} ms later had the AI playing ${backMs} ms after the kill`);
  assert.ok(backMs < 5000, `the AI was back after ${backMs} ms`);

  // The new worker's metrics: connected, one player playing, packets going out, steps timed.
  let text = '';
  await waitFor(async () => {
    text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    return /^bandmate_inference_packets_out [1-9]/m.test(text);
  }, 10_000);
  for (const line of ['bandmate_inference_connected 1', 'bandmate_inference_players 1', 'bandmate_inference_players_playing 1']) assert.match(text, new RegExp(`^${line}$`, 'm'));
  assert.match(text, /^bandmate_inference_steps [1-9]/m);
  assert.match(text, /^bandmate_inference_process_resident_memory_bytes \d/m);
  assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/health/ready`)).status, 200);
  const exported = new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!));
  for (const name of dashboardMetrics().filter((n) => n.startsWith('bandmate_inference_'))) assert.ok(exported.has(name), `the dashboard's ${name} is not exported by the worker`);
  await askOk(host, 'leave', {});
  host.close();
}
