// `npm start`: the whole platform on one machine — database migrated, SFU on :4000, web on :3000.
// `npm run demo` (--demo): the same, and it points you at a demo room (a virtual band + the AI).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrateDatabase } from './install/database.mjs';
import { startProcess, supervise, waitForHttp } from './lib/processes.mjs';
import { buildWeb } from './lib/web-build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const webPort = Number(process.env.WEB_PORT ?? 3000);
const sfuPort = Number(process.env.SFU_PORT ?? 4000);
const env = { CHECKPOINT_DISABLE: '1', NEXT_TELEMETRY_DISABLED: '1', SFU_PORT: String(sfuPort) };
// The SFU admits only a worker holding this; one made here lives as long as the processes it is given to.
const agentEnv = { AGENT_SECRET: process.env.AGENT_SECRET || randomBytes(32).toString('base64url') };

await migrateDatabase(process.env.DATABASE_URL, { quiet: true });
buildWeb(root);

// The SFU and the AI worker are supervised: if one dies, it is started again. The rooms the SFU
// had resume in its next process (the pages rejoin by themselves); without the worker, the rooms
// play on without their AI until it is back.
const sfu = supervise('sfu', () => startProcess('sfu', process.execPath, ['--import', 'tsx', 'apps/sfu/src/main.ts'], { cwd: root, env: { ...env, ...agentEnv } }), { delayMs: 500 });
const web = startProcess('web', process.execPath, [path.join(root, 'node_modules/next/dist/bin/next'), 'start', '-p', String(webPort)], {
  cwd: path.join(root, 'apps/web'),
  env: { ...env, SFU_PUBLIC_PORT: process.env.SFU_PUBLIC_PORT ?? String(sfuPort) },
});
const inference = supervise(
  'inference worker',
  () => startProcess('inference', process.execPath, ['--import', 'tsx', 'apps/inference/src/main.ts'], { cwd: root, env: { ...env, ...agentEnv, SFU_AGENT_URL: `http://127.0.0.1:${sfuPort}` } }),
);

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  await Promise.all([sfu, web, inference].map((c) => c.stop()));
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
web.child.on('exit', (code) => {
  if (!stopping) {
    console.error(`[start] web exited (${code}); stopping the platform`);
    void stop(code || 1);
  }
});

try {
  await waitForHttp(`http://127.0.0.1:${sfuPort}/health`, { proc: sfu.current() });
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
