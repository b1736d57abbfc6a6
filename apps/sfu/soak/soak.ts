// `npm run soak`: the platform under an evening's load for SOAK_MINUTES (30 by default): the SFU
// (forked, with its real mediasoup worker) and the AI worker (forked, the shipped model), musicians
// sending real Opus in every room, the AI on in some, a recording running, and churn; real Chromium
// pages through the web app in the recorded room (SOAK_BROWSER_MUSICIANS, SOAK_BROWSER_LISTENERS). Every
// process is sampled (RSS, heap after GC, event-loop delay, handles, fds, CPU); a table is printed
// as it goes and the trend at the end. Exits 1 when a target is missed (see `checks`).
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error plain ESM script without types
import { migrateDatabase } from '../../../scripts/install/database.mjs';
// @ts-expect-error plain ESM script without types
import { freePort } from '../../../scripts/lib/processes.mjs';
import type { ProbeSample } from './process-probe.ts';
import { childPids, procStat } from './proc-stat.ts';
import { createRoom, encodedLoop, RtpSender, SignalClient } from './soak-load.ts';
import { SoakBrowsers, type BrowserSample } from './soak-browsers.ts';
import type { SimulatedMusician } from './soak-sfu.ts';
import { slopePerHour, table } from './soak-report.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..', '..');
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const settings = {
  minutes: num('SOAK_MINUTES', 30),
  rooms: num('SOAK_ROOMS', 4),
  musiciansPerRoom: num('SOAK_MUSICIANS', 2),
  aiRooms: num('SOAK_AI_ROOMS', 2),
  sampleSeconds: num('SOAK_SAMPLE_S', 30),
  churnSeconds: num('SOAK_CHURN_S', 10),
  recordMinutes: num('SOAK_RECORD_MIN', 5),
  warmupMinutes: num('SOAK_WARMUP_MIN', Math.min(5, num('SOAK_MINUTES', 30) / 3)),
  maxGrowthMbPerHour: num('SOAK_MAX_GROWTH_MB_H', 10),
  browserMusicians: num('SOAK_BROWSER_MUSICIANS', 1),
  browserListeners: num('SOAK_BROWSER_LISTENERS', 1),
};
const withBrowsers = settings.browserMusicians + settings.browserListeners > 0;

type Row = { t: number; sfu: ProbeSample & Record<string, number>; ai: ProbeSample; workerRssMb: number; workerCpu: number; aiLate: number; aiConcealed: number; recordingsSaved: number; browsers?: BrowserSample };
const rows: Row[] = [];
/** When the load began (reset once the rooms are set up). */
let startedAt = Date.now();
let probeId = 0;
let askId = 0;
const events = { crashes: [] as string[], churnErrors: 0, joins: 0, recordingsSaved: 0, recordingsFailed: 0, aiSwitches: 0 };
const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-soak-'));
const secret = randomBytes(24).toString('base64url');
const databaseUrl = `file:${path.join(dir, 'soak.db')}`;
const webPort = await freePort();
await migrateDatabase(databaseUrl, { quiet: true, log: () => {} });
const childEnv = {
  ...process.env,
  DATABASE_URL: databaseUrl,
  AGENT_SECRET: secret,
  LOG_LEVEL: process.env.SOAK_LOG_LEVEL ?? 'warn',
  SFU_PORT: '0',
  SFU_HOST: '127.0.0.1',
  SFU_RTC_LISTEN_IP: '127.0.0.1',
  SFU_ANNOUNCED_ADDRESS: '127.0.0.1',
  RECORDINGS_DIR: path.join(dir, 'recordings'),
  RECORDINGS_MIN_FREE_MB: '0',
  INVITE_SECRET_FILE: path.join(dir, 'invite-secret'),
  SFU_MAIL_OUTBOX: path.join(dir, 'outbox'),
  DEMO_MAX_ROOMS: '0',
  // The soak's web app (real browsers), its only origin.
  SFU_CORS_ORIGINS: `http://127.0.0.1:${webPort}`,
};

const sfu = fork(path.join(here, 'soak-sfu.ts'), { env: childEnv, execArgv: ['--import', 'tsx', '--expose-gc'], stdio: 'inherit' });
const url = await new Promise<string>((resolve, reject) => {
  sfu.on('message', (m: { type: string; url?: string }) => m.type === 'ready' && resolve(m.url!));
  sfu.once('exit', (code) => reject(new Error(`the SFU exited (${code}) before it was ready`)));
});
watch(sfu, 'SFU');
// Whatever ends this process (a failure, Ctrl-C) ends its children too.
process.on('exit', () => {
  sfu.kill('SIGKILL');
  ai.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
const ai = fork(path.join(repo, 'apps/inference/src/main.ts'), {
  env: { ...childEnv, SFU_AGENT_URL: url },
  execArgv: ['--import', 'tsx', '--import', path.join(here, 'probe-preload.mjs'), '--expose-gc'],
  stdio: 'inherit',
});
watch(ai, 'AI worker');
const workerPids = childPids(sfu.pid!, 'mediasoup-worker');
console.log(`soak: ${settings.minutes} min, ${settings.rooms} rooms × ${settings.musiciansPerRoom} musicians, AI in ${settings.aiRooms}, a recording in room 1; SFU ${url}, mediasoup workers ${workerPids.join(', ')}`);

// The rooms, each with a host (signalling only) and its musicians.
const loop = encodedLoop();
const senders: RtpSender[] = [];
const hosts: SignalClient[] = [];
const roomIds: string[] = [];
for (let r = 0; r < settings.rooms; r++) {
  const id = await createRoom(url, `Soak room ${r + 1}`);
  const host = await SignalClient.connect(url);
  await host.join(id, `Host ${r + 1}`, 'musician');
  roomIds.push(id);
  hosts.push(host);
}
// Real pages in the recorded room, through the web app as people join. Before any musician sends:
// building the web app and starting Chromium take both cores for a while, and a sender starved
// meanwhile would read as packets lost at the SFU (CI saw 6,027 so).
const browsers = withBrowsers && roomIds[0] ? await SoakBrowsers.start({ root: repo, sfuUrl: url, webPort, roomId: roomIds[0], musicians: settings.browserMusicians, listeners: settings.browserListeners, dir }) : undefined;
process.on('exit', () => void browsers?.close());
for (const [r, id] of roomIds.entries()) {
  for (let m = 0; m < settings.musiciansPerRoom; m++) {
    const musician = await ask<SimulatedMusician>(sfu, 'musician', { roomId: id, name: `Musician ${r + 1}.${m + 1}` });
    senders.push(new RtpSender(loop, musician));
  }
}
// The AI players, once the worker is there.
const aiHosts = hosts.slice(0, settings.aiRooms);
for (const host of aiHosts) await untilAiWorker(host);
for (const host of aiHosts) await host.ask('addAiPlayer', { instrument: host.ai!.instruments[0] });
if (hosts[0]) await hosts[0].ask('startRecording', {});

startedAt = Date.now();
const endAt = startedAt + settings.minutes * 60_000;
let churnTick = 0;
const churn = setInterval(() => void churnOnce(churnTick++), settings.churnSeconds * 1000);
const recordTimer = setInterval(() => void restartRecording(), settings.recordMinutes * 60_000);
// Warm-up runs every path once: the first recording is saved (its mixdown) halfway through it,
// so a one-time cost (the allocator's first large blocks) is not read as growth.
const firstSave = setTimeout(() => void restartRecording(), (settings.warmupMinutes / 2) * 60_000);
const cpuBefore = new Map(workerPids.map((pid) => [pid, procStat(pid)?.cpuSeconds ?? 0]));
let lastSampleAt = Date.now();
console.log(table.header);
while (Date.now() < endAt && events.crashes.length === 0) {
  await sleep(Math.min(settings.sampleSeconds * 1000, endAt - Date.now()));
  const row = await sample();
  rows.push(row);
  console.log(table.row(row));
}
clearInterval(churn);
clearInterval(recordTimer);
clearTimeout(firstSave);

// The evening ends: everyone leaves. Every room must close, with nothing left behind.
if (hosts[0]) await hosts[0].ask('stopRecording', {}).catch(() => {});
await sleep(1500);
for (const s of senders) s.stop();
await browsers?.close();
for (const host of hosts) {
  await host.ask('leave', {}).catch(() => {});
  host.close();
}
await sleep(3000);
const end = events.crashes.length ? undefined : await probe<ProbeSample & Record<string, number>>(sfu);

const warm = rows.filter((r) => r.t >= settings.warmupMinutes * 60);
const spanMinutes = warm.length > 1 ? (warm.at(-1)!.t - warm[0]!.t) / 60 : 0;
const growth = {
  'SFU heap': slopePerHour(warm.map((r) => [r.t, r.sfu.heapMb])),
  'SFU RSS': slopePerHour(warm.map((r) => [r.t, r.sfu.rssMb])),
  'SFU Buffers': slopePerHour(warm.map((r) => [r.t, r.sfu.externalMb])),
  'AI worker heap': slopePerHour(warm.map((r) => [r.t, r.ai.heapMb])),
  'AI worker RSS': slopePerHour(warm.map((r) => [r.t, r.ai.rssMb])),
  'mediasoup worker RSS': slopePerHour(warm.map((r) => [r.t, r.workerRssMb])),
  ...(browsers && {
    'listener page JS heap': slopePerHour(warm.map((r) => [r.t, r.browsers?.pageHeapMb ?? 0])),
    'web server RSS': slopePerHour(warm.map((r) => [r.t, r.browsers?.webRssMb ?? 0])),
  }),
};
/** Reported, not held to the target: Chromium's own memory is not ours to hold. */
const chromiumTrend = browsers ? slopePerHour(warm.map((r) => [r.t, r.browsers?.chromiumRssMb ?? 0])) : undefined;
const last = rows.at(-1);
const sent = senders.reduce((n, s) => n + s.sent, 0);
const checks: Array<[string, boolean, string]> = [
  ['no process crashed', events.crashes.length === 0, events.crashes.join('; ') || 'none'],
  ['zero packets lost at the SFU', (last?.sfu.lost ?? 1) === 0, `${last?.sfu.lost ?? '?'} lost of ${last?.sfu.packets ?? '?'} received (${sent} sent)`],
  ['every room closed when everyone left', end?.rooms === 0 && end?.peers === 0, `rooms ${end?.rooms}, peers ${end?.peers}`],
  ['no AI listener left on the worker hub', end?.agentListeners === 0, `${end?.agentListeners}`],
  ['recordings saved, none failed', events.recordingsFailed === 0, `${events.recordingsSaved} saved, ${events.recordingsFailed} failed`],
];
if (browsers) {
  const pageRows = rows.map((r) => r.browsers!).filter(Boolean);
  const stayed = pageRows.every((b) => b.joined === b.pages);
  const quietest = Math.min(...pageRows.map((b) => b.toneDb ?? -Infinity));
  checks.push(['the browser pages stayed in the room all along', stayed, pageRows.map((b) => `${b.joined}/${b.pages}`).filter((v, i, all) => all.indexOf(v) === i).join(', ')]);
  if (settings.browserMusicians > 0 && settings.browserListeners > 0) {
    checks.push(['the listener page heard the browser musician at every sample (> −20 dBFS; sent at −9)', quietest > -20, `quietest ${quietest.toFixed(1)} dBFS`]);
  }
}
// A slope is only a trend over a long enough window; a short run checks the end state above instead.
if (spanMinutes >= 10) {
  for (const [what, mbPerHour] of Object.entries(growth)) {
    checks.push([`${what} grows < ${settings.maxGrowthMbPerHour} MB/h after warm-up`, mbPerHour < settings.maxGrowthMbPerHour, `${mbPerHour.toFixed(1)} MB/h`]);
  }
}
console.log(`\ntrend after ${settings.warmupMinutes} min warm-up, over ${spanMinutes.toFixed(1)} min (least squares, MB/hour):`);
for (const [what, mbPerHour] of Object.entries(growth)) console.log(`  ${what.padEnd(22)} ${mbPerHour.toFixed(1)}`);
if (chromiumTrend !== undefined) console.log(`  ${'Chromium RSS (all)'.padEnd(22)} ${chromiumTrend.toFixed(1)} (reported only)`);
if (browsers) {
  const pageRows = rows.map((r) => r.browsers!).filter(Boolean);
  const worstRow = pageRows.reduce<(typeof pageRows)[number] | undefined>((a, b) => (!a || b.dropoutsPerMinute > a.dropoutsPerMinute ? b : a), undefined);
  console.log(`browser pages: worst loss ${Math.max(0, ...pageRows.map((b) => b.lossPercent)).toFixed(2)} %, worst dropouts ${worstRow?.dropoutsPerMinute.toFixed(1) ?? '?'}/min (${worstRow?.worstStream ?? ''})`);
}
console.log(`load: ${sent} packets sent by ${senders.length} musicians; ${events.joins} churn joins (${events.churnErrors} errors); ${events.aiSwitches} AI player switches`);
for (const [what, ok, detail] of checks) console.log(`${ok ? 'PASS' : 'FAIL'}  ${what}: ${detail}`);
const summary = { settings, rows, growth, events, checks: checks.map(([what, ok, detail]) => ({ what, ok, detail })) };
if (process.env.SOAK_JSON) writeFileSync(process.env.SOAK_JSON, JSON.stringify(summary, null, 2));

sfu.removeAllListeners('exit');
ai.removeAllListeners('exit');
ai.kill('SIGTERM');
sfu.send({ type: 'stop' });
await Promise.race([new Promise((r) => sfu.once('exit', r)), sleep(10_000)]);
sfu.kill('SIGKILL');
rmSync(dir, { recursive: true, force: true });
process.exit(checks.every(([, ok]) => ok) ? 0 : 1);

async function sample(): Promise<Row> {
  const now = Date.now();
  const [sfuSample, aiSample] = await Promise.all([probe<ProbeSample & Record<string, number>>(sfu), probe<ProbeSample>(ai)]);
  let workerRssMb = 0;
  let workerCpu = 0;
  for (const pid of workerPids) {
    const s = procStat(pid);
    if (!s) continue;
    workerRssMb += s.rssMb;
    workerCpu += (s.cpuSeconds - (cpuBefore.get(pid) ?? 0)) / ((now - lastSampleAt) / 1000);
    cpuBefore.set(pid, s.cpuSeconds);
  }
  lastSampleAt = now;
  const metrics = aiHosts.flatMap((h) => h.ai?.players.map((p) => p.metrics) ?? []);
  return {
    t: (now - startedAt) / 1000,
    sfu: sfuSample,
    ai: aiSample,
    workerRssMb,
    workerCpu,
    aiLate: metrics.reduce((n, m) => n + (m?.lateFrames ?? 0), 0),
    aiConcealed: metrics.reduce((n, m) => n + (m?.concealedFrames ?? 0), 0),
    recordingsSaved: events.recordingsSaved,
    browsers: await browsers?.sample(),
  };
}

/** One step of the evening's churn, in turn: a listener drops by, the host locks and unlocks, tempo, chat, the AI switched. */
async function churnOnce(tick: number): Promise<void> {
  const r = tick % hosts.length;
  const host = hosts[r]!;
  try {
    switch (tick % 4) {
      case 0: {
        const guest = await SignalClient.connect(url);
        await guest.join(roomIds[r]!, `Guest ${tick}`, 'listener');
        events.joins++;
        await guest.ask('sendChat', { body: `hello from guest ${tick}` });
        await sleep(500);
        await guest.ask('leave', {});
        guest.close();
        break;
      }
      case 1:
        await host.ask('lockRoom', { locked: true });
        await host.ask('lockRoom', { locked: false });
        break;
      case 2:
        await host.ask('setTempo', { bpm: 90 + (tick % 40) });
        await host.ask(tick % 8 === 2 ? 'startMetronome' : 'stopMetronome', {});
        break;
      case 3: {
        // An AI room's player goes and comes back (a new AgentLink each time: the leak to look for).
        const aiHost = aiHosts[tick % Math.max(1, aiHosts.length)];
        const player = aiHost?.ai?.players[0];
        if (aiHost && player) {
          await aiHost.ask('removeAiPlayer', { playerId: player.id });
          await aiHost.ask('addAiPlayer', { instrument: player.instrument });
          events.aiSwitches++;
        }
        await host.ask('sendChat', { body: `tick ${tick}` });
        break;
      }
    }
  } catch (err) {
    events.churnErrors++;
    console.warn(`soak: churn step ${tick}: ${(err as Error).message}`);
  }
}

async function restartRecording(): Promise<void> {
  const host = hosts[0];
  if (!host) return;
  const saved = new Promise<{ status: string }>((resolve) => host.socket.once('recordingSaved', resolve));
  try {
    await host.ask('stopRecording', {});
    const { status } = await Promise.race([saved, sleep(30_000).then(() => ({ status: 'timeout' }))]);
    if (status === 'ready') events.recordingsSaved++;
    else events.recordingsFailed++;
    await host.ask('startRecording', {});
  } catch (err) {
    events.recordingsFailed++;
    console.warn(`soak: recording: ${(err as Error).message}`);
  }
}

async function untilAiWorker(host: SignalClient): Promise<void> {
  const end = Date.now() + 60_000;
  while (!host.ai?.workerConnected || host.ai.instruments.length === 0) {
    if (Date.now() > end) throw new Error('the AI worker did not connect within 60 s');
    await sleep(200);
  }
}

function probe<T>(child: ChildProcess): Promise<T> {
  const id = ++probeId;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('a probe was not answered in 10 s')), 10_000);
    const onMessage = (m: { type: string; id: number; sample: T }) => {
      if (m.type !== 'probe' || m.id !== id) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(m.sample);
    };
    child.on('message', onMessage);
    child.send({ type: 'probe', id });
  });
}

function ask<T>(child: ChildProcess, type: string, payload: Record<string, unknown>): Promise<T> {
  const id = ++askId;
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string; id: number; musician?: T; error?: string }) => {
      if (m.type !== type || m.id !== id) return;
      child.off('message', onMessage);
      if (m.error) reject(new Error(m.error));
      else resolve(m.musician as T);
    };
    child.on('message', onMessage);
    child.send({ type, id, ...payload });
  });
}

function watch(child: ChildProcess, name: string): void {
  child.once('exit', (code, signal) => events.crashes.push(`${name} exited (${code ?? signal}) after ${((Date.now() - startedAt) / 1000).toFixed(0)} s`));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}
