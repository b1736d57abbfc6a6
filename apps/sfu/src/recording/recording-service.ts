import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdir, rm, statfs } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  RECORDING,
  SignalRequestError,
  type RecordingSaved,
  type RecordingState,
  type RecordingStopReason,
} from '@bandmate/shared';
import { RecordingAlreadyFinishedError, type NewRecordingTrack, type RecordingRepository } from '../db/types.ts';
import type { Logger } from '../logger.ts';
import type { Peer } from '../rooms/peer.ts';
import type { Room } from '../rooms/room.ts';
import { mixdown } from './mixdown.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { salvageRecording } from './recording-salvage.ts';
import { RoomRecorder } from './room-recorder.ts';
import type { WavFormat } from './wav-file-writer.ts';

export type RecordingStore = Pick<RecordingRepository, 'createRecording' | 'finishRecording' | 'listUnfinishedRecordings' | 'countRecordings'>;

export interface RecordingSettings {
  /** Where recordings go: <dir>/<recordingId>/<file>. */
  dir: string;
  maxDurationMs: number;
  /** Recordings running or being saved at once, across all rooms. */
  maxActive: number;
  /** Recordings running at once started from one client address. */
  maxPerAddress: number;
  /** Recordings a room keeps; no new one starts beyond this. */
  maxStoredPerRoom: number;
  /** How long recordings are kept (0: forever); recording-removal.ts deletes older ones. */
  retentionMs: number;
  /** Streams (files) per recording. */
  maxStreams: number;
  /** Below this much free disk space no recording starts, and running ones stop. */
  minFreeBytes: number;
  /** Loopback address of the recorder's plain transport and socket. */
  listenIp: string;
  /** How far a stream must have moved past a frame before it is written (late packets slot in). */
  reorderDelayMs: number;
  /** How long after a stream's first packet writing begins (its start is judged on what came by then). */
  settleMs: number;
}

/** Stems as the codec makes them (lossless after decoding); the mix in 24-bit after its gain. */
const STEM_FORMAT: WavFormat = { sampleRate: RECORDING.sampleRate, channels: RECORDING.channels, bitsPerSample: 16 };
const MIX_FORMAT: WavFormat = { sampleRate: RECORDING.sampleRate, channels: RECORDING.channels, bitsPerSample: 24 };
const MIX_FILE = 'mix.wav';
const DISK_CHECK_MS = 10_000;
/** A write that failed (the disk filled up faster than the check above) stops the recording within this. */
const WRITE_CHECK_MS = 1000;

interface ServiceEvents {
  state: [roomId: string, state: RecordingState];
  saved: [roomId: string, saved: RecordingSaved];
}

interface ActiveRecording {
  id: string;
  room: Room;
  dir: string;
  recorder: RoomRecorder;
  /** Wall-clock time of the timeline's frame 0. */
  startedAt: Date;
  startedBy: string;
  /** The client address of the host who started it (RecordingSettings.maxPerAddress). */
  address: string | undefined;
  timers: Array<ReturnType<typeof setTimeout>>;
  onRoomClose: () => void;
  onRoomMoved: () => void;
}

/**
 * Recording for the whole SFU: at most one recording per room, a bounded number at once,
 * each stopped by its host, its time limit, low disk space or the room closing. Stopping answers
 * at once; the files are finished, mixed and stored in the background, then `saved` is emitted.
 * Failures end as a 'failed' recording and a message; the room is never affected.
 */
export class RecordingService extends EventEmitter<ServiceEvents> {
  private readonly active = new Map<string, ActiveRecording>();
  private readonly starting = new Set<string>();
  /** Room → the client address of a recording that is starting. */
  private readonly startingFrom = new Map<string, string>();
  private readonly savingByRoom = new Map<string, number>();
  private readonly saves = new Set<Promise<void>>();
  private readonly lastStop = new Map<string, { reason: RecordingStopReason; message?: string }>();

  constructor(
    private readonly store: RecordingStore,
    readonly settings: RecordingSettings,
    private readonly logger: Logger,
  ) {
    super();
  }

  /**
   * Recordings a previous run left unfinished (it crashed mid-way) are saved with what they wrote
   * (recording-salvage.ts), or marked failed and deleted when nothing playable was written.
   * `liveElsewhere` names the live SFU node that runs a room now, if another one does.
   */
  async recoverUnfinished(options: { liveElsewhere?: (roomId: string) => Promise<string | null>; only?: string } = {}): Promise<{ saved: number; failed: number }> {
    const counts = { saved: 0, failed: 0 };
    for (const rec of await this.store.listUnfinishedRecordings()) {
      // `only`: the room of a dead node this node took over (its recording there ended with it).
      if (options.only !== undefined && rec.roomId !== options.only) continue;
      if (this.active.get(rec.roomId)?.id === rec.id) continue;
      const dir = path.join(this.settings.dir, rec.id);
      const log = this.logger.child({ roomId: rec.roomId, recordingId: rec.id });
      // Another live SFU node runs the room (several nodes share the database): that node is
      // recording it now, not a run of ours that died mid-way.
      const node = await options.liveElsewhere?.(rec.roomId);
      if (node) {
        log.debug({ node }, 'an unfinished recording of a room another SFU node runs: left to it');
        continue;
      }
      try {
        const salvaged = await salvageRecording(dir, { stemFormat: STEM_FORMAT, mixFormat: MIX_FORMAT, mixFile: MIX_FILE, points: RECORDING.peaks });
        if (salvaged) {
          const endedAt = new Date(rec.startedAt.getTime() + salvaged.durationMs);
          await this.store.finishRecording(rec.id, { status: 'ready', endedAt, durationMs: salvaged.durationMs, tracks: salvaged.tracks });
          log.warn({ durationMs: salvaged.durationMs, tracks: salvaged.tracks.length }, 'a recording cut short by the last run was saved up to where it stopped');
          counts.saved++;
          continue;
        }
      } catch (err) {
        // Its node was only stalled, woke and finished it first: its outcome and files stand.
        if (err instanceof RecordingAlreadyFinishedError) {
          finishedElsewhere(log, err);
          continue;
        }
        log.error({ err }, 'a recording cut short by the last run could not be saved');
      }
      if (!(await this.markFailed(rec.id, { endedAt: rec.startedAt }, log))) continue;
      await rm(dir, { recursive: true, force: true }).catch(() => {});
      log.warn('a recording cut short by the last run held nothing playable; marked failed');
      counts.failed++;
    }
    return counts;
  }

  /**
   * Marks a recording failed; false when another SFU node finished it first (one that stalled
   * while this one took its room over, or the reverse), whose outcome and files then stand.
   */
  private async markFailed(id: string, times: { startedAt?: Date; endedAt: Date }, log: Logger): Promise<boolean> {
    try {
      await this.store.finishRecording(id, { status: 'failed', ...times, durationMs: null, tracks: [] });
    } catch (err) {
      if (err instanceof RecordingAlreadyFinishedError) {
        finishedElsewhere(log, err);
        return false;
      }
      log.error({ err }, 'could not mark a recording failed');
    }
    return true;
  }

  /** Rooms recording now, and recordings being saved (the metrics). */
  load(): { active: number; saving: number } {
    let saving = 0;
    for (const n of this.savingByRoom.values()) saving += n;
    return { active: this.active.size, saving };
  }

  state(roomId: string): RecordingState {
    const rec = this.active.get(roomId);
    const last = rec ? undefined : this.lastStop.get(roomId);
    return {
      active: !!rec,
      ...(rec && {
        recordingId: rec.id,
        startedAt: rec.startedAt.toISOString(),
        elapsedMs: Math.max(0, Math.round(performance.now() - rec.recorder.originMs)),
        startedBy: rec.startedBy,
      }),
      maxDurationMs: this.settings.maxDurationMs,
      saving: this.savingByRoom.get(roomId) ?? 0,
      ...(last && { stoppedReason: last.reason, ...(last.message && { message: last.message }) }),
    };
  }

  /** `address`: the host's client address, counted against RecordingSettings.maxPerAddress. */
  async start(room: Room, host: Peer, address?: string): Promise<RecordingState> {
    if (this.active.has(room.id) || this.starting.has(room.id)) {
      throw new SignalRequestError('already_recording', 'this room is being recorded already; stop that recording first');
    }
    if (this.active.size + this.starting.size + this.saves.size >= this.settings.maxActive) {
      throw new SignalRequestError(
        'recording_unavailable',
        `the server is making or saving ${this.settings.maxActive} recordings already; try again in a minute`,
      );
    }
    if (address !== undefined) {
      const running = [...this.active.values()].filter((r) => r.address === address).length;
      const starting = [...this.startingFrom.values()].filter((a) => a === address).length;
      if (running + starting >= this.settings.maxPerAddress) {
        throw new SignalRequestError(
          'recording_unavailable',
          `${running + starting} recording(s) started from your address are running; stop one first (at most ${this.settings.maxPerAddress})`,
        );
      }
      this.startingFrom.set(room.id, address);
    }
    this.starting.add(room.id);
    let recorder: RoomRecorder | undefined;
    let dir: string | undefined;
    let created: string | undefined;
    try {
      const stored = await this.store.countRecordings(room.id);
      if (stored >= this.settings.maxStoredPerRoom) throw this.roomFull(stored);
      await mkdir(this.settings.dir, { recursive: true });
      const free = await freeBytes(this.settings.dir);
      if (free < this.settings.minFreeBytes) {
        throw new SignalRequestError(
          'recording_unavailable',
          `the server has too little disk space to record (${mb(free)} MB free, ${mb(this.settings.minFreeBytes)} MB needed)`,
        );
      }
      const id = randomUUID();
      dir = path.join(this.settings.dir, id);
      await mkdir(dir);
      // The slow part (the database) before the first packet: a busy event loop while the first
      // packets come in would blur where each stream starts. The exact start is stored at the end.
      await this.store.createRecording({ id, roomId: room.id, startedById: host.id, startedAt: new Date() });
      created = id;
      recorder = await RoomRecorder.start({
        room,
        dir,
        listenIp: this.settings.listenIp,
        format: STEM_FORMAT,
        maxStreams: this.settings.maxStreams,
        maxFrames: Math.ceil((this.settings.maxDurationMs / 1000) * STEM_FORMAT.sampleRate) + STEM_FORMAT.sampleRate,
        reorderDelayMs: this.settings.reorderDelayMs,
        settleMs: this.settings.settleMs,
        logger: this.logger.child({ roomId: room.id, recordingId: id }),
      });
      const startedAt = new Date(Date.now() - (performance.now() - recorder.originMs));
      if (room.isClosed) throw new SignalRequestError('not_found', 'the room closed while the recording was starting');
      const rec: ActiveRecording = {
        id,
        room,
        dir,
        recorder,
        startedAt,
        startedBy: host.displayName,
        address,
        timers: [],
        onRoomClose: () => void this.stop(room.id, room.suspended ? 'server_restart' : 'room_closed').catch(() => {}),
        // Its streams went with the old router: what was recorded is saved, a new recording can start.
        onRoomMoved: () => void this.stop(room.id, 'media_restart').catch(() => {}),
      };
      rec.timers.push(setTimeout(() => void this.stop(room.id, 'max_duration').catch(() => {}), this.settings.maxDurationMs));
      rec.timers.push(setInterval(() => void this.watchDisk(rec), DISK_CHECK_MS));
      rec.timers.push(setInterval(() => this.watchWrites(rec), WRITE_CHECK_MS));
      for (const t of rec.timers) t.unref();
      room.once('close', rec.onRoomClose);
      room.once('moved', rec.onRoomMoved);
      this.active.set(room.id, rec);
      this.lastStop.delete(room.id);
      this.logger.info({ roomId: room.id, recordingId: id, streams: recorder.streamCount }, 'recording started');
      this.emit('state', room.id, this.state(room.id));
      return this.state(room.id);
    } catch (err) {
      await recorder?.abort().catch(() => {});
      if (dir) await rm(dir, { recursive: true, force: true }).catch(() => {});
      if (created) {
        await this.store
          .finishRecording(created, { status: 'failed', endedAt: new Date(), durationMs: null, tracks: [] })
          .catch((e) => this.logger.error({ err: e }, 'could not mark a recording failed'));
      }
      if (err instanceof SignalRequestError) throw err;
      // An outage, not a bug: the code the client can wait and retry on (request-dispatch.ts).
      if (isDatabaseUnavailable(err)) throw err;
      this.logger.error({ err, roomId: room.id }, 'a recording could not start');
      throw new SignalRequestError('internal', 'the recording could not start (the room carries on); try again');
    } finally {
      this.starting.delete(room.id);
      this.startingFrom.delete(room.id);
    }
  }

  private roomFull(stored: number): SignalRequestError {
    const days = Math.round(this.settings.retentionMs / 86_400_000);
    const expiry = this.settings.retentionMs > 0 ? `, or wait: recordings are deleted after ${days} day${days === 1 ? '' : 's'}` : '';
    return new SignalRequestError(
      'recordings_full',
      `this room keeps ${stored} recordings, its most (${this.settings.maxStoredPerRoom}): the room's owner can delete some${expiry}`,
    );
  }

  /** Stops the room's recording now; its files are saved in the background (`saved`). */
  async stop(roomId: string, reason: RecordingStopReason = 'host'): Promise<RecordingState> {
    const rec = this.active.get(roomId);
    if (!rec) {
      const why = this.starting.has(roomId) ? 'the recording is still starting; try again in a moment' : 'this room is not being recorded';
      throw new SignalRequestError('not_recording', why);
    }
    const endMs = performance.now();
    this.active.delete(roomId);
    for (const t of rec.timers) clearTimeout(t);
    rec.room.off('close', rec.onRoomClose);
    rec.room.off('moved', rec.onRoomMoved);
    this.lastStop.set(roomId, { reason, message: stopMessage(reason, this.settings.maxDurationMs) });
    this.savingByRoom.set(roomId, (this.savingByRoom.get(roomId) ?? 0) + 1);
    this.logger.info({ roomId, recordingId: rec.id, reason }, 'recording stopped');
    const save = this.save(rec, endMs).finally(() => {
      this.saves.delete(save);
      const left = (this.savingByRoom.get(roomId) ?? 1) - 1;
      if (left > 0) this.savingByRoom.set(roomId, left);
      else this.savingByRoom.delete(roomId);
      if (rec.room.isClosed && !this.active.has(roomId)) this.lastStop.delete(roomId);
      else this.emit('state', roomId, this.state(roomId));
    });
    this.saves.add(save);
    this.emit('state', roomId, this.state(roomId));
    return this.state(roomId);
  }

  /** Stops every recording and waits until all are saved (server shutdown). */
  async close(): Promise<void> {
    for (const roomId of [...this.active.keys()]) await this.stop(roomId, 'room_closed').catch(() => {});
    await Promise.all([...this.saves]);
  }

  private async save(rec: ActiveRecording, endMs: number): Promise<void> {
    const endedAt = new Date(rec.startedAt.getTime() + (endMs - rec.recorder.originMs));
    const log = this.logger.child({ roomId: rec.room.id, recordingId: rec.id });
    const fail = async (message: string, err?: unknown) => {
      if (err instanceof RecordingAlreadyFinishedError) return finishedElsewhere(log, err);
      if (err) log.error({ err }, 'a recording could not be saved');
      if (!(await this.markFailed(rec.id, { startedAt: rec.startedAt, endedAt }, log))) return;
      await rm(rec.dir, { recursive: true, force: true }).catch(() => {});
      this.emit('saved', rec.room.id, { recordingId: rec.id, status: 'failed', message });
    };
    try {
      const result = await rec.recorder.stop(endMs);
      if (result.stems.length === 0) {
        await fail('nothing was recorded: nobody was playing');
        return;
      }
      // Stems cut short by a write error end where the disk stopped taking them: so does the recording.
      const totalFrames = result.cut.length > 0 ? Math.max(...result.stems.map((s) => s.frames)) : result.totalFrames;
      const durationMs = Math.round((totalFrames * 1000) / STEM_FORMAT.sampleRate);
      const mix = await mixdown(
        result.stems.map((s) => path.join(rec.dir, s.file)),
        path.join(rec.dir, MIX_FILE),
        { totalFrames, points: RECORDING.peaks, format: MIX_FORMAT },
      ).catch((err: Error) => {
        // The stems are the recording; without room for the mix (a full disk) they are saved alone.
        log.error({ err }, 'the mixdown could not be written; saving the stems without it');
        return undefined;
      });
      const tracks: NewRecordingTrack[] = result.stems.map((s, i) => ({
        kind: s.kind,
        label: s.label,
        file: s.file,
        sampleRate: STEM_FORMAT.sampleRate,
        channels: STEM_FORMAT.channels,
        offsetMs: 0,
        durationMs: Math.round((s.frames * 1000) / STEM_FORMAT.sampleRate),
        peaks: mix?.stemPeaks[i] ?? [],
      }));
      if (mix) {
        tracks.push({
          kind: 'mix',
          label: 'Mixdown',
          file: MIX_FILE,
          sampleRate: MIX_FORMAT.sampleRate,
          channels: MIX_FORMAT.channels,
          offsetMs: 0,
          durationMs,
          peaks: mix.mixPeaks,
        });
      }
      await this.store.finishRecording(rec.id, { status: 'ready', startedAt: rec.startedAt, endedAt: result.cut.length > 0 ? new Date(rec.startedAt.getTime() + durationMs) : endedAt, durationMs, tracks });
      log.info({ durationMs, stems: result.stems.length, cut: result.cut.length, mixGain: mix?.gain, sumPeak: mix?.sumPeak }, 'recording saved');
      const notes = [
        ...(result.cut.length > 0 ? [`the disk stopped taking it after ${clock(durationMs)}: saved up to there`] : []),
        ...(result.lost.length > 0 ? [`saved without ${result.lost.map((l) => l.label).join(', ')} (could not be written)`] : []),
        ...(mix ? [] : ['no mixdown (no room left on the disk for it): download the tracks']),
      ];
      this.emit('saved', rec.room.id, {
        recordingId: rec.id,
        status: 'ready',
        ...(notes.length > 0 && { message: notes.join('; ').slice(0, 300) }),
      });
    } catch (err) {
      await fail('the recording could not be saved on the server', err);
    }
  }

  /** A stream could not be written: stop now and save what reached the disk, rather than record into nothing. */
  private watchWrites(rec: ActiveRecording): void {
    const err = rec.recorder.writeFailure();
    if (!err || this.active.get(rec.room.id) !== rec) return;
    this.logger.warn({ err, roomId: rec.room.id, recordingId: rec.id }, 'a recorded stream could not be written; stopping the recording');
    void this.stop(rec.room.id, isDiskFull(err) ? 'disk_full' : 'error').catch(() => {});
  }

  private async watchDisk(rec: ActiveRecording): Promise<void> {
    try {
      if ((await freeBytes(this.settings.dir)) < this.settings.minFreeBytes && this.active.get(rec.room.id) === rec) {
        await this.stop(rec.room.id, 'disk_full');
      }
    } catch (err) {
      this.logger.warn({ err }, 'could not check the disk space for recordings');
    }
  }
}

function isDiskFull(err: Error): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

const mb = (bytes: number) => Math.floor(bytes / (1024 * 1024));
/** 75_000 → "1:15". */
const clock = (ms: number) => `${Math.floor(ms / 60_000)}:${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}`;

function stopMessage(reason: RecordingStopReason, maxDurationMs: number): string | undefined {
  switch (reason) {
    case 'max_duration':
      return `the recording reached its ${Math.round(maxDurationMs / 60_000)}-minute limit and stopped; start a new one to go on`;
    case 'disk_full':
      return 'the server is running out of disk space, so the recording stopped';
    case 'error':
      return 'the recording stopped after an error on the server';
    case 'media_restart':
      return "the server's media process failed, so the recording stopped and was saved; start a new one to go on";
    case 'server_restart':
      return 'the server restarted, so the recording stopped and was saved; start a new one to go on';
    default:
      return undefined;
  }
}

function finishedElsewhere(log: Logger, err: RecordingAlreadyFinishedError): void {
  log.warn({ status: err.status }, 'the recording was finished meanwhile by another SFU node: left as it is');
}
