// `npm start`: the whole platform on one machine — database migrated, SFU on :4000, web on :3000.
// `npm run demo` (--demo): the same, and it points you at a demo room (a virtual band + the AI).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrateDatabase } from './install/database.mjs';
import { startProcess, waitForHttp } from './lib/processes.mjs';
import { buildWeb } from './lib/web-build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const webPort = Number(process.env.WEB_PORT ?? 3000);
const sfuPort = Number(process.env.SFU_PORT ?? 4000);
const env = { CHECKPOINT_DISABLE: '1', NEXT_TELEMETRY_DISABLED: '1', SFU_PORT: String(sfuPort) };
// The SFU admits only a worker holding this; one made here lives as long as the processes it is given to.
const agentEnv = { AGENT_SECRET: process.env.AGENT_SECRET || randomBytes(32).toString('base64url') };

await migrateDatabase(process.env.DATABASE_URL, { quiet: true });
buildWeb(root);

const sfu = startProcess('sfu', process.execPath, ['--import', 'tsx', 'apps/sfu/src/main.ts'], { cwd: root, env: { ...env, ...agentEnv } });
const web = startProcess('web', process.execPath, [path.join(root, 'node_modules/next/dist/bin/next'), 'start', '-p', String(webPort)], {
  cwd: path.join(root, 'apps/web'),
  env: { ...env, SFU_PUBLIC_PORT: process.env.SFU_PUBLIC_PORT ?? String(sfuPort) },
});
// The AI worker is supervised on its own: if it dies, the rooms play on and it is restarted.
const inference = superviseInference();
const children = [sfu, web];

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  await Promise.all([...children, inference.current()].filter(Boolean).map((c) => c.stop()));
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
for (const c of children) {
  c.child.on('exit', (code) => {
    if (!stopping) {
      console.error(`[start] ${c.name} exited (${code}); stopping the platform`);
      void stop(code || 1);
    }
  });
}

try {
  await waitForHttp(`http://127.0.0.1:${sfuPort}/health`, { proc: sfu });
  await waitForHttp(`http://127.0.0.1:${webPort}/`, { proc: web });
  console.log(`\n  Bandmate is up: open http://localhost:${webPort}\n`);
  if (!process.env.SFU_SMTP_URL) {
    console.log('  No mail server set (SFU_SMTP_URL): sign-up links are written to this log ("link") and to data/outbox.\n');
  }
  if (process.argv.includes('--demo')) {
    console.log(`  Demo room (a virtual band plays, the AI joins in): http://localhost:${webPort}/demo\n`);
  }
} catch (err) {
  console.error(`[start] ${err.message}`);
  await stop(1);
}

function superviseInference() {
  let proc;
  let delay = 1000;
  const launch = () => {
    const startedAt = Date.now();
    proc = startProcess('inference', process.execPath, ['--import', 'tsx', 'apps/inference/src/main.ts'], {
      cwd: root,
      env: { ...env, ...agentEnv, SFU_AGENT_URL: `http://127.0.0.1:${sfuPort}` },
    });
    proc.child.on('exit', (code) => {
      if (stopping) return;
      // Back off when it keeps failing (a missing model, say); reset after a good run.
      delay = Date.now() - startedAt > 60_000 ? 1000 : Math.min(delay * 2, 60_000);
      console.error(`[start] inference worker exited (${code}); restarting in ${delay / 1000} s`);
      setTimeout(launch, delay);
    });
  };
  launch();
  return { current: () => proc };
}
