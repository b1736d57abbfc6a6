// `npm run test:e2e` / `npm run bench:latency` / `npm run screenshots`: the platform and real
// Chromium browsers in a network namespace that has only loopback, once per database (SQLite, then
// PostgreSQL; the benchmark and the screenshots on SQLite only). The browser tests run the AI on
// the identity fixture model (e2e/tests), then once more on SQLite with the shipped model at its
// trained t_f (e2e/shipped; `--shipped` runs only that pass).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrateDatabase } from './install/database.mjs';
import { startProcess, supervise, waitForHttp } from './lib/processes.mjs';
import { buildWeb } from './lib/web-build.mjs';
import { startPostgres } from './test/postgres.mjs';

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), '..');
const args = process.argv.slice(2);
const bench = args.includes('--bench');
// The README's screenshots (docs/screenshots/), taken with the shipped AI model.
const screenshots = args.includes('--screenshots');
const shippedOnly = args.includes('--shipped');
const passThrough = args.filter((a) => !['--bench', '--screenshots', '--shipped'].includes(a));
/** The shipped model (E2E_SHIPPED_MODEL_DIR to try another, e.g. a fixture or a new export). */
const shippedModelDir = path.resolve(process.env.E2E_SHIPPED_MODEL_DIR ?? path.join(root, 'models/default'));

if (!process.env.BANDMATE_IN_NETNS && process.env.E2E_NETNS !== 'off') {
  // Re-run this script inside a fresh network namespace with only `lo` up, so every
  // packet (ICE, DTLS, RTP) provably stays on loopback.
  const probe = spawnSync('unshare', ['-n', 'true']);
  if (probe.status !== 0) {
    console.error(
      '[e2e] cannot create a network namespace here (needs root or unprivileged user namespaces: ' +
        `${probe.error?.message ?? probe.stderr.toString().trim()}). Set E2E_NETNS=off to test on the host loopback.`,
    );
    process.exit(1);
  }
  const ns = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, self, ...args], {
    stdio: 'inherit',
    env: { ...process.env, BANDMATE_IN_NETNS: '1' },
  });
  process.exit(ns.status ?? 1);
}

const databases = (process.env.E2E_DATABASES ?? (bench || screenshots ? 'sqlite' : 'sqlite,postgresql')).split(',').map((s) => s.trim());
const webPort = 3000;
const sfuPort = 4000;
buildWeb(root);

/**
 * The passes: the platform started afresh for each, with the AI on `model` (an identity fixture
 * folder built per pass, or a model folder at its trained t_f) and Playwright on `suite`.
 */
const SUITE_TITLES = { tests: 'browser tests', shipped: 'browser tests with the shipped model', bench: 'latency benchmark', screenshots: 'screenshots' };
const identity = { fixture: 'identity', env: { BANDMATE_TF: process.env.E2E_AI_TF ?? '-0.1', BANDMATE_K: '0.01' } };
// Unset, not inherited from the shell: the model's own trained t_f and k.
const shipped = { dir: shippedModelDir, env: { BANDMATE_TF: undefined, BANDMATE_K: undefined } };
const passes = bench
  ? databases.map((database) => ({ database, suite: 'bench', model: identity }))
  : screenshots
    ? databases.map((database) => ({ database, suite: 'screenshots', model: shipped }))
    : [
        ...(shippedOnly ? [] : databases.map((database) => ({ database, suite: 'tests', model: identity }))),
        // After the identity passes, once: a narrowed run (`npm run test:e2e -- mixer`) skips it.
        ...(shippedOnly || passThrough.length === 0 ? [{ database: 'sqlite', suite: 'shipped', model: shipped }] : []),
      ];

const totals = { passed: 0, failed: 0, flaky: 0, skipped: 0 };
let exitCode = 0;
for (const pass of passes) {
  const result = await runSuite(pass);
  totals.passed += result.passed;
  totals.failed += result.failed;
  totals.skipped += result.skipped;
  totals.flaky += result.flaky ?? 0;
  if (!result.ok) exitCode = 1;
}
console.log(`\ne2e: ${totals.passed} passed, ${totals.failed} failed, ${totals.flaky} flaky (passed on retry), ${totals.skipped} skipped`);
process.exit(exitCode);

async function runSuite({ database, suite, model }) {
  const started = Date.now();
  console.log(`\n[e2e] ── ${SUITE_TITLES[suite]} on ${database}${model.dir ? ` (model ${path.relative(root, model.dir) || model.dir})` : ''} ──`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bandmate-e2e-'));
  let pg;
  let url;
  if (database === 'sqlite') url = `file:${path.join(tmp, 'e2e.db')}`;
  else if (database === 'postgresql') {
    pg = await startPostgres({ log: (m) => console.log(m) });
    url = pg.url;
  } else throw new Error(`E2E_DATABASES: unknown database "${database}" (use sqlite and/or postgresql)`);

  await migrateDatabase(url, { quiet: true });
  const env = {
    DATABASE_URL: url,
    CHECKPOINT_DISABLE: '1',
    NEXT_TELEMETRY_DISABLED: '1',
    SFU_PORT: String(sfuPort),
    SFU_RTC_LISTEN_IP: '127.0.0.1',
    SFU_ANNOUNCED_ADDRESS: '127.0.0.1',
    SFU_PUBLIC_URL: `http://127.0.0.1:${sfuPort}`,
    // Recordings made by the tests go with the run's temp folder, not into data/.
    RECORDINGS_DIR: path.join(tmp, 'recordings'),
    // Sign-up mails: the tests read their links from here (no SMTP server in a test run).
    SFU_MAIL_OUTBOX: path.join(tmp, 'outbox'),
    SFU_PUBLIC_WEB_URL: `http://127.0.0.1:${webPort}`,
    // The browser tests drive many requests from one connection in little time.
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    // The latency bench reads how late each sender's packets reach the SFU (bandmate_arrival_lateness_ms).
    ...(bench ? { SFU_ARRIVAL_STATS: 'true' } : {}),
  };
  const agentSecret = randomBytes(32).toString('base64url');
  // Supervised as `npm start` does: a test that kills the SFU sees it come back.
  const sfu = supervise('sfu', () => startProcess('sfu', process.execPath, ['--import', 'tsx', 'apps/sfu/src/main.ts'], { cwd: root, env: { ...env, AGENT_SECRET: agentSecret } }), { delayMs: 500 });
  // The identity fixture model's output is the room's mix, k − t_f later. A model folder (the
  // shipped one, as `npm start` runs it) plays at its trained t_f.
  let modelDir = model.dir;
  if (model.fixture) {
    const fixtures = path.join(tmp, 'models');
    spawnSync(process.execPath, ['--import', 'tsx', 'apps/inference/test/fixtures/build-fixture-models.ts', fixtures], { cwd: root });
    modelDir = path.join(fixtures, model.fixture);
  }
  const inference = startProcess('inference', process.execPath, ['--import', 'tsx', 'apps/inference/src/main.ts'], {
    cwd: root,
    env: {
      ...env,
      AGENT_SECRET: agentSecret,
      SFU_AGENT_URL: `http://127.0.0.1:${sfuPort}`,
      BANDMATE_MODEL_DIR: modelDir,
      ...model.env,
      INFERENCE_JITTER_MS: '40',
    },
  });
  const web = startProcess('web', process.execPath, [path.join(root, 'node_modules/next/dist/bin/next'), 'start', '-p', String(webPort)], {
    cwd: path.join(root, 'apps/web'),
    env,
    quiet: true,
  });
  const report = path.join(tmp, 'report.json');
  try {
    await waitForHttp(`http://127.0.0.1:${sfuPort}/health`, { proc: sfu.current() });
    await waitForHttp(`http://127.0.0.1:${webPort}/health`, { proc: web });
    // Not spawnSync: this process must keep running (the SFU's supervisor) while the tests do.
    const run = await spawnAndWait(
      process.execPath,
      [path.join(root, 'node_modules/@playwright/test/cli.js'), 'test', '-c', 'e2e/playwright.config.ts', ...passThrough],
      {
        cwd: root,
        stdio: 'inherit',
        env: {
          ...process.env,
          E2E_BASE_URL: `http://127.0.0.1:${webPort}`,
          E2E_SFU_URL: `http://127.0.0.1:${sfuPort}`,
          E2E_JSON_REPORT: report,
          E2E_DATABASE: database,
          // For a spec that starts a second SFU node on the same database.
          E2E_DATABASE_URL: url,
          E2E_MAIL_OUTBOX: env.SFU_MAIL_OUTBOX,
          E2E_AI_TF: process.env.E2E_AI_TF ?? '-0.1',
          E2E_AI_K: '0.01',
          // Which specs playwright.config.ts picks; set for every pass, so none inherits another's.
          E2E_SUITE: suite,
        },
      },
    );
    const stats = readStats(report);
    console.log(`[e2e] ${SUITE_TITLES[suite]} on ${database}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return { ok: run.status === 0, ...stats };
  } finally {
    await Promise.all([sfu.stop(), web.stop(), inference.stop()]);
    await pg?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

function readStats(report) {
  try {
    const { stats } = JSON.parse(readFileSync(report, 'utf8'));
    return { passed: stats.expected ?? 0, failed: stats.unexpected ?? 0, flaky: stats.flaky ?? 0, skipped: stats.skipped ?? 0 };
  } catch {
    return { passed: 0, failed: 1, skipped: 0 };
  }
}

/** spawn, resolving with { status } when the child exits (its signal counts as a failure). */
function spawnAndWait(command, args, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, options);
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ status: signal ? 1 : code }));
  });
}
