// The SFU's Prometheus metrics and health checks (issue 11), scraped from a real SFU with a room
// in it: a host, a listener, a musician streaming real Opus, an AI player from a real worker
// client, a recording running. The numbers must be the room's, and must follow it as it empties.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { dashboardMetrics } from './dashboard.ts';
import { startFixtureWorker, type FixtureWorker } from './fixture-worker.ts';
import type { Ack } from '@bandmate/shared';
import { ask, askOk, connect, createRoom, joinRoom, startHarness, untilAiState, waitFor, type Harness } from './harness.ts';
import { plainMusician } from './plain-musician.ts';

const AGENT_SECRET = 'the-metrics-test-agent-secret';
const METRICS_TOKEN = 'the-metrics-test-scrape-token';
let h: Harness;
let worker: FixtureWorker;

before(async () => {
  h = await startHarness({ AGENT_SECRET, RECORDINGS_MIN_FREE_MB: '0' });
  worker = await startFixtureWorker(h.sfu, AGENT_SECRET);
});
after(async () => {
  await worker.close();
  await h.close();
});

/** The scrape, parsed: `name{labels}` → value. */
async function scrape(url: string, headers: Record<string, string> = {}): Promise<Map<string, number>> {
  const res = await fetch(`${url}/metrics`, { headers });
  assert.equal(res.status, 200, await res.clone().text());
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const values = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    const m = /^([a-z_0-9]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) values.set(m[1]!, Number(m[2]));
  }
  return values;
}

test('GET /metrics counts the rooms, people, streams, AI players, workers and recordings; the health checks answer', { timeout: 60_000 }, async () => {
  const { id } = await createRoom(h.sfu, 'Measured');
  const host = await connect(h.sfu);
  const lou = await connect(h.sfu);
  await joinRoom(host, id, 'Hana');
  await joinRoom(lou, id, 'Lou', 'listener');
  const mia = await plainMusician(h.sfu.registry.get(id)!, { ssrc: 4321, name: 'Mia', isAgent: false });
  const playing = untilAiState(host, 'playing', 20_000);
  await askOk(host, 'addAiPlayer', { instrument: 'mirror' });
  await playing;
  await askOk(host, 'startRecording', {});

  let m = new Map<string, number>();
  // The AI player's metrics reach the SFU with its next status report.
  await waitFor(async () => {
    m = await scrape(h.sfu.url);
    return (m.get('bandmate_ai_packets_sent') ?? 0) > 0;
  }, 10_000);
  assert.equal(m.get('bandmate_rooms'), 1);
  assert.equal(m.get('bandmate_peers{role="musician"}'), 2, 'Hana and Mia (the AI is not a person)');
  assert.equal(m.get('bandmate_peers{role="listener"}'), 1);
  assert.equal(m.get('bandmate_producers'), 2, "Mia's microphone and the AI's track");
  assert.ok((m.get('bandmate_consumers') ?? 0) >= 2, 'the recorder and the AI worker consume');
  assert.equal(m.get('bandmate_ai_players{state="playing"}'), 1);
  assert.equal(m.get('bandmate_ai_worker_connected'), 1);
  assert.deepEqual([m.get('bandmate_ai_workers'), m.get('bandmate_ai_pool_players')], [1, 1], 'one worker, running the one player');
  assert.ok((m.get('bandmate_ai_pool_capacity') ?? 0) >= 1);
  assert.ok(m.has('bandmate_ai_step_p99_ms') && m.has('bandmate_ai_late_frames'));
  assert.equal(m.get('bandmate_mediasoup_workers'), 1);
  assert.equal(m.get('bandmate_recordings{state="active"}'), 1);
  assert.ok([...m.keys()].some((k) => k.startsWith('bandmate_mediasoup_worker_cpu_seconds{pid=')), 'each worker has its CPU time');
  assert.ok((m.get('bandmate_sfu_process_resident_memory_bytes') ?? 0) > 10e6, "the process's own metrics");
  assert.ok(m.has('bandmate_sfu_nodejs_eventloop_lag_p99_seconds'));
  // Errors are counted by code: a listener asking to play is refused.
  const refused = (await ask(lou, 'lockRoom', { locked: true })) as Ack<unknown>;
  assert.equal(!refused.ok && refused.error.code, 'not_host');
  m = await scrape(h.sfu.url);
  assert.ok((m.get('bandmate_errors_total{code="not_host",via="signalling"}') ?? 0) >= 1, 'refusals counted by code');
  assert.ok((m.get('bandmate_http_responses_total{status="201"}') ?? 0) >= 1, 'the room creation counted');

  // It follows the room as it empties; the saved recording is counted.
  await askOk(host, 'stopRecording', {});
  mia.stop();
  host.close();
  lou.close();
  await waitFor(async () => {
    m = await scrape(h.sfu.url);
    return m.get('bandmate_rooms') === 0 && m.get('bandmate_recordings_saved_total{status="ready"}') === 1;
  }, 20_000);
  assert.equal(m.get('bandmate_peers{role="musician"}'), 0);
  assert.equal(m.get('bandmate_producers'), 0);

  // Health: alive, and ready (a database and a live mediasoup worker).
  assert.deepEqual(await (await fetch(`${h.sfu.url}/health/live`)).json(), { status: 'alive' });
  const ready = await fetch(`${h.sfu.url}/health/ready`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { status: 'ready' });
});

test("the Grafana dashboard (deploy/grafana/bandmate.json) asks only for metrics the SFU exports", async () => {
  const text = await (await fetch(`${h.sfu.url}/metrics`)).text();
  const exported = new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!));
  const asked = dashboardMetrics().filter((name) => !name.startsWith('bandmate_inference_') && !name.startsWith('bandmate_web_'));
  assert.ok(asked.length >= 10);
  for (const name of asked) assert.ok(exported.has(name), `${name} is not exported by the SFU`);
});

test('only the operator may scrape: a proxied request is refused, and with METRICS_TOKEN only its bearer gets in', { timeout: 30_000 }, async () => {
  const proxied = await fetch(`${h.sfu.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
  assert.equal(proxied.status, 403);
  const guarded = await startHarness({ METRICS_TOKEN });
  try {
    assert.equal((await fetch(`${guarded.sfu.url}/metrics`)).status, 403, 'loopback alone is not enough once a token is set');
    assert.equal((await fetch(`${guarded.sfu.url}/metrics`, { headers: { authorization: 'Bearer not-the-token-at-all!' } })).status, 403);
    const m = await scrape(guarded.sfu.url, { authorization: `Bearer ${METRICS_TOKEN}` });
    assert.equal(m.get('bandmate_rooms'), 0);
  } finally {
    await guarded.close();
  }
});

