import { EventEmitter } from 'node:events';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { RecordingRepository } from '../db/types.ts';
import type { Logger } from '../logger.ts';

export type RemovalStore = Pick<RecordingRepository, 'deleteRecording' | 'listRecordingsStartedBefore'>;

interface RemovalEvents {
  deleted: [roomId: string, recordingId: string];
}

/** Recording ids are UUIDs made by the recorder; anything else never becomes a path. */
const RECORDING_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SWEEP_EVERY_MS = 60 * 60 * 1000;
const SWEEP_BATCH = 100;

/**
 * Recordings leave the server here: one at a time when the room's owner deletes one, and in a
 * sweep (at start and every hour) of those older than the retention (RECORDINGS_RETENTION_DAYS;
 * 0 keeps them forever). The row goes first, so a recording is never listed without its files;
 * a folder that cannot be removed is logged. Recordings still running or being saved are not
 * the sweep's (their status is 'recording'); the HTTP route refuses to delete them.
 */
export class RecordingRemoval extends EventEmitter<RemovalEvents> {
  private timer: ReturnType<typeof setInterval> | undefined;
  private sweeping: Promise<number> | undefined;

  constructor(
    private readonly store: RemovalStore,
    /** The recordings folder: <dir>/<recordingId>/*.wav. */
    private readonly dir: string,
    /** How long recordings are kept; 0: forever. */
    private readonly retentionMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  /** Deletes a recording's row and files; false if there was no such recording. */
  async remove(roomId: string, recordingId: string): Promise<boolean> {
    if (!(await this.store.deleteRecording(recordingId))) return false;
    if (RECORDING_ID.test(recordingId)) {
      await rm(path.join(this.dir, recordingId), { recursive: true, force: true }).catch((err) =>
        this.logger.warn({ err, recordingId }, "a deleted recording's files could not be removed"),
      );
    }
    this.emit('deleted', roomId, recordingId);
    return true;
  }

  /** Deletes every finished recording older than the retention; how many went. */
  sweep(): Promise<number> {
    // One sweep at a time: an hourly tick during a long first sweep joins it.
    this.sweeping ??= this.sweepOnce().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  /** Sweeps now and every hour until stop(). */
  start(): void {
    if (this.retentionMs <= 0 || this.timer) return;
    const run = () => void this.sweep().catch((err) => this.logger.error({ err }, 'the recordings retention sweep failed'));
    this.timer = setInterval(run, SWEEP_EVERY_MS);
    this.timer.unref();
    run();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping?.catch(() => {});
  }

  private async sweepOnce(): Promise<number> {
    if (this.retentionMs <= 0) return 0;
    const before = new Date(this.now() - this.retentionMs);
    let removed = 0;
    for (;;) {
      const old = await this.store.listRecordingsStartedBefore(before, SWEEP_BATCH);
      let progress = 0;
      for (const r of old) if (await this.remove(r.roomId, r.id)) progress++;
      removed += progress;
      // A batch that deleted nothing (a row another process took) must not loop forever.
      if (old.length < SWEEP_BATCH || progress === 0) break;
    }
    if (removed > 0) this.logger.info({ removed, before: before.toISOString() }, 'recordings past their retention deleted');
    return removed;
  }
}
