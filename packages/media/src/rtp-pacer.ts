import { Worker } from 'node:worker_threads';
import type { FromPacer, PacedTrack, PacerTrackStats, ToPacer } from './rtp-pacer-protocol.ts';

export type { PacedTrack, PacerTrackStats };

/**
 * Sends a process's outgoing RTP from a thread of its own (rtp-pacer-thread.ts), on the room
 * clock: the main thread hands each encoded frame over as soon as it is made, with the slot it
 * belongs in (or a whole loop once), and the thread sends one packet per slot (silence where a
 * frame is missing). One pacer serves every track of the process: the AI worker's players, the
 * SFU's demo bands.
 */
export class RtpPacer {
  private readonly worker: Worker;
  private readonly latest = new Map<string, PacerTrackStats>();
  private closed = false;
  /** Resolves once the thread runs (messages sent before are queued, not lost). */
  readonly ready: Promise<void>;

  constructor() {
    this.worker = new Worker(new URL('./rtp-pacer-entry.mjs', import.meta.url));
    let started: () => void = () => {};
    this.ready = new Promise((r) => (started = r));
    this.worker.on('message', (m: FromPacer) => {
      if (m.type === 'ready') started();
      else if (m.type === 'stats' && this.latest.has(m.id)) this.latest.set(m.id, m.stats);
    });
    // The process's life is the main thread's: an idle pacer does not keep it running.
    this.worker.unref();
  }

  open(track: PacedTrack): void {
    this.latest.set(track.id, { sent: 0, late: 0, queued: 0 });
    this.post({ type: 'open', track });
  }

  /** The frame for `slot` of a track; a frame for a slot already sent is dropped by the thread. */
  frame(id: string, slot: number, payload: Uint8Array): void {
    this.post({ type: 'frame', id, slot, payload });
  }

  closeTrack(id: string): void {
    this.latest.delete(id);
    this.post({ type: 'close', id });
  }

  /** The track's figures as the thread last reported them (every 250 ms). */
  stats(id: string): PacerTrackStats | undefined {
    return this.latest.get(id);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.terminate();
  }

  private post(m: ToPacer): void {
    if (!this.closed) this.worker.postMessage(m);
  }
}
