// Child processes of the platform: started with prefixed logs, stopped together.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * @param {string} name prefix for its log lines
 * @param {string} command
 * @param {string[]} args
 * @param {{ env?: NodeJS.ProcessEnv, cwd?: string, quiet?: boolean }} [opts]
 */
export function startProcess(name, command, args, opts = {}) {
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: process.platform !== 'win32',
  });
  const output = [];
  const relay = (stream, target) => {
    let pending = '';
    stream.on('data', (chunk) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        output.push(line);
        if (output.length > 200) output.shift();
        if (!opts.quiet) target.write(`[${name}] ${line}\n`);
      }
    });
  };
  relay(child.stdout, process.stdout);
  relay(child.stderr, process.stderr);
  return {
    name,
    child,
    /** The last lines it printed, for error reports. */
    tail: () => output.slice(-40).join('\n'),
    stop() {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(() => kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        kill('SIGTERM');
      });
      function kill(signal) {
        try {
          // The whole group: next start and tsx spawn children of their own.
          process.kill(-child.pid, signal);
        } catch {
          child.kill(signal);
        }
      }
    },
  };
}

/** Resolves when `url` answers 2xx, rejects after `timeoutMs` or if `proc` exits first. */
export async function waitForHttp(url, { timeoutMs = 60_000, proc } = {}) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (proc && proc.child.exitCode !== null) {
      throw new Error(`${proc.name} exited with code ${proc.child.exitCode} before ${url} answered:\n${proc.tail()}`);
    }
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s${proc ? `:\n${proc.tail()}` : ''}`);
}

/**
 * Keeps a process running: `launch()` starts it (a startProcess handle), and it is started again
 * when it exits, unless `stop()` was called: after `delayMs`, doubling while it keeps dying within
 * a minute of starting (a missing model, a port taken), up to a minute.
 * @param {string} name
 * @param {() => ReturnType<typeof startProcess>} launch
 * @param {{ delayMs?: number }} [opts]
 */
export function supervise(name, launch, { delayMs = 1000 } = {}) {
  let proc;
  let stopped = false;
  let delay = delayMs;
  let timer;
  const run = () => {
    const startedAt = Date.now();
    proc = launch();
    proc.child.on('exit', (code, signal) => {
      if (stopped) return;
      const wait = Date.now() - startedAt > 60_000 ? delayMs : delay;
      delay = Math.min(wait * 2, 60_000);
      console.error(`[supervise] ${name} exited (${signal ?? code}); starting it again in ${wait / 1000} s`);
      timer = setTimeout(run, wait);
    });
  };
  run();
  return {
    name,
    /** The running process (the latest start). */
    current: () => proc,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await proc.stop();
    },
  };
}

/** A TCP port free on loopback now (for a process about to listen on it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

