/**
 * Worker-thread side of ThreadedModel: owns one ModelSession so `session.run`,
 * which blocks, never stalls the event loop that moves audio packets.
 */
import { readlinkSync } from 'node:fs';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { ModelSession, type SessionOptions, type StreamStep } from './model-session.ts';

export type ThreadRequest =
  | { id: number; type: 'open'; streamId: string }
  | { id: number; type: 'close'; streamId: string }
  | { id: number; type: 'step'; steps: StreamStep[] };

export type ThreadReply =
  | { id: number; ok: true; outputs?: Float32Array[]; computeMs?: number }
  | { id: number; ok: false; error: string };

const { dir, options, priority } = workerData as { dir: string; options: SessionOptions; priority: number };
const port = parentPort!;
const notices: string[] = [];
raisePriority(priority);

try {
  const session = await ModelSession.create(dir, { ...options, onFallback: (reason) => notices.push(reason) });
  port.postMessage({ type: 'ready', manifest: session.manifest, provider: session.provider, notices });
  port.on('message', async (req: ThreadRequest) => {
    try {
      if (req.type === 'open') session.openStream(req.streamId);
      else if (req.type === 'close') session.closeStream(req.streamId);
      else {
        const t0 = performance.now();
        const outputs = await session.step(req.steps);
        const reply: ThreadReply = { id: req.id, ok: true, outputs, computeMs: performance.now() - t0 };
        port.postMessage(reply, outputs.map((a) => a.buffer as ArrayBuffer));
        return;
      }
      port.postMessage({ id: req.id, ok: true } satisfies ThreadReply);
    } catch (err) {
      port.postMessage({ id: req.id, ok: false, error: (err as Error).message } satisfies ThreadReply);
    }
  });
} catch (err) {
  port.postMessage({ type: 'failed', error: (err as Error).message });
}

/**
 * A late step is an audible gap, so the inference thread asks for a higher
 * priority than the rest of the process. Linux applies nice per thread (by TID);
 * without the privilege to raise it, say so and carry on.
 */
function raisePriority(nice: number): void {
  if (nice === 0) return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    os.setPriority(tid, nice);
  } catch (err) {
    notices.push(`could not raise the inference thread's priority to nice ${nice} (${(err as Error).message}); running at normal priority`);
  }
}
