import { Worker } from 'node:worker_threads';

/**
 * How late an ordinary thread of this machine wakes: a thread of the bench's process with nothing
 * else to do sleeps 10 ms at a time (as an audio pipeline's threads do) and records how much later
 * than asked it ran. Under the bench's load this is what the browsers' and the SFU's threads that
 * are not real-time get too, so it says how much of the packets' lateness is the machine's
 * scheduling before any code of ours runs.
 */
const PROBE = `
const { parentPort } = require('node:worker_threads');
const late = [];
let stop = false;
parentPort.on('message', () => (stop = true));
const start = performance.now();
let i = 0;
const tick = () => {
  const due = start + ++i * 10;
  const wait = due - performance.now();
  setTimeout(() => {
    late.push(performance.now() - due);
    if (stop) parentPort.postMessage(late);
    else tick();
  }, Math.max(0, wait));
};
tick();
`;

export interface WakeLateness {
  wakes: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

export function startWakeProbe(): { stop(): Promise<WakeLateness> } {
  const worker = new Worker(PROBE, { eval: true });
  return {
    async stop() {
      const done = new Promise<number[]>((resolve) => worker.once('message', resolve));
      worker.postMessage('stop');
      const late = (await done).sort((a, b) => a - b);
      await worker.terminate();
      const at = (q: number) => +late[Math.min(late.length - 1, Math.floor(q * late.length))]!.toFixed(1);
      return { wakes: late.length, p99Ms: at(0.99), p999Ms: at(0.999), maxMs: +late[late.length - 1]!.toFixed(1) };
    },
  };
}
