// The platform's processes as the browser tests see them (one machine): to put faults into them.
import { readdirSync, readFileSync } from 'node:fs';

function commandLine(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function parentOf(pid: string): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
  } catch {
    return undefined;
  }
}

/** Kills (SIGKILL) the mediasoup workers of the SFU the tests run (apps/sfu/src/main.ts); returns their pids. */
export function killSfuMediaWorkers(): number[] {
  const killed: number[] = [];
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    if (!commandLine(pid).includes('mediasoup-worker')) continue;
    const parent = parentOf(pid);
    if (!parent || !commandLine(parent).includes('apps/sfu/src/main.ts')) continue;
    process.kill(Number(pid), 'SIGKILL');
    killed.push(Number(pid));
  }
  return killed;
}

/** Kills (SIGKILL) the SFU process itself (scripts/e2e.mjs starts it again, as `npm start` does); returns its pid. */
export function killSfu(): number {
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    const cmd = commandLine(pid);
    // The node process running main.ts, not its tsx/esbuild helpers nor its mediasoup workers.
    if (!cmd.includes('apps/sfu/src/main.ts') || cmd.includes('mediasoup-worker') || !/(^|\/)node\s/.test(cmd)) continue;
    process.kill(Number(pid), 'SIGKILL');
    // Which one, in the test's output: a page that never noticed the kill (seen once) would say whether another SFU was hit.
    console.log(`killed SFU process ${pid}: ${cmd.slice(0, 200)}`);
    return Number(pid);
  }
  throw new Error('no SFU process to kill');
}
