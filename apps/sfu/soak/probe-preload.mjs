// Preloaded (--import, after tsx) into a process the soak forks that has no probe of its own (the AI
// worker). Plain JavaScript: the worker's model thread inherits the preload but not the TypeScript
// loader, and has nothing to answer.
import { isMainThread } from 'node:worker_threads';

if (isMainThread && process.send) {
  const { answerProbes } = await import('./process-probe.ts');
  answerProbes();
  // The IPC channel must not keep the worker alive when it is asked to stop.
  process.channel?.unref();
}
