// Another process's RSS and CPU time from /proc (Linux), for processes without a probe of their
// own: the mediasoup workers.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;

export interface ProcStat {
  rssMb: number;
  cpuSeconds: number;
}

export function procStat(pid: number): ProcStat | undefined {
  try {
    // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15, rss 24.
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const cpuTicks = Number(fields[11]) + Number(fields[12]);
    return { rssMb: (Number(fields[21]) * PAGE_BYTES) / (1024 * 1024), cpuSeconds: cpuTicks / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/** Every process now, with its parent's pid. */
function processParents(): Array<{ pid: number; ppid: number }> {
  const found: Array<{ pid: number; ppid: number }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      found.push({ pid: Number(entry), ppid: Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]) });
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

/** Direct children of `pid` whose command line contains `match` (the SFU's mediasoup workers). */
export function childPids(pid: number, match: string): number[] {
  return processParents()
    .filter((p) => p.ppid === pid)
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').includes(match);
      } catch {
        return false;
      }
    })
    .map((p) => p.pid);
}

/** All descendants of `pid` (a browser's renderer, GPU and utility processes). */
export function descendantPids(pid: number): number[] {
  const all = processParents();
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const p of all) {
      if (p.ppid !== parent) continue;
      out.push(p.pid);
      queue.push(p.pid);
    }
  }
  return out;
}
