import type { RecordingState, RecordingSummary, RecordingTrackInfo, RecordingsAccess } from '@bandmate/shared';
import { deleteRecording, listRecordings, trackFileUrl } from '../lib/recordings-api.ts';
import type { SignalClient } from './signal-client.ts';

export interface RecordingViewState {
  /** What the server says about the room's recording (everyone sees it). */
  live: RecordingState;
  /** performance.now() when `live` arrived: the elapsed time counts on from there. */
  liveAt: number;
  recordings: RecordingSummary[];
  loading: boolean;
  /** Start or stop in flight. */
  busy: boolean;
  /** The recording the owner is deleting now. */
  deleting?: string;
  /** The last refusal or failure, as the server worded it. */
  error?: string;
  /** News for everyone: a recording was saved, or stopped by itself. */
  notice?: string;
}

/** Passes are renewed this long before they expire. */
const RENEW_BEFORE_MS = 10 * 60_000;

/**
 * The room's recording as one page sees it: whether it is recording (and for how long), the
 * host's start/stop, and the list of finished recordings with their files. The list is fetched
 * over HTTP with a pass the server gives members over signalling.
 */
export class RecordingSession {
  private current: RecordingViewState;
  private readonly listeners = new Set<() => void>();
  private readonly unsubscribe: Array<() => void>;
  private access?: { token: string; expiresAt: number };
  private closed = false;

  constructor(
    private readonly signal: SignalClient,
    private readonly sfuUrl: string,
    private readonly roomId: string,
    initial: RecordingState | undefined,
  ) {
    this.current = {
      live: initial ?? { active: false, maxDurationMs: 1, saving: 0 },
      liveAt: performance.now(),
      recordings: [],
      loading: true,
      busy: false,
    };
    this.unsubscribe = [
      signal.on('recordingState', (live) => {
        const stoppedByItself = !live.active && live.stoppedReason && live.stoppedReason !== 'host' && live.message;
        const started = live.active && !this.current.live.active;
        this.update({
          live,
          liveAt: performance.now(),
          ...(stoppedByItself ? { notice: live.message } : started ? { notice: `${live.startedBy ?? 'The host'} started recording` } : {}),
        });
        if (!live.active && live.saving === 0) void this.refresh();
      }),
      signal.on('recordingDeleted', ({ recordingId }) => this.drop(recordingId)),
      signal.on('recordingSaved', (saved) => {
        this.update({ notice: saved.status === 'ready' ? `Recording saved${saved.message ? ` (${saved.message})` : ''}` : `Recording failed: ${saved.message ?? 'unknown error'}` });
        void this.refresh();
      }),
    ];
    void this.refresh();
  }

  get state(): RecordingViewState {
    return this.current;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** How long the room has been recording, on this page's clock (no clock skew with the server). */
  elapsedMs(now = performance.now()): number {
    const { live, liveAt } = this.current;
    return live.active ? (live.elapsedMs ?? 0) + (now - liveAt) : 0;
  }

  async start(): Promise<void> {
    await this.hostRequest('startRecording');
  }

  async stop(): Promise<void> {
    await this.hostRequest('stopRecording');
  }

  /** The room's owner deletes a recording and its files, for everyone in the room. */
  async remove(recordingId: string): Promise<void> {
    this.update({ deleting: recordingId, error: undefined });
    try {
      await deleteRecording(this.sfuUrl, this.roomId, recordingId);
      this.drop(recordingId);
    } catch (err) {
      this.update({ error: `could not delete the recording: ${(err as Error).message}` });
    } finally {
      this.update({ deleting: undefined });
    }
  }

  /** The file of a track, for <audio> and download links (needs the pass: call after the list loaded). */
  trackUrl(track: RecordingTrackInfo): string {
    return trackFileUrl(this.sfuUrl, track, this.access?.token ?? '');
  }

  async refresh(): Promise<void> {
    if (this.closed) return;
    try {
      const token = await this.pass();
      const recordings = await listRecordings(this.sfuUrl, this.roomId, token);
      this.update({ recordings, loading: false });
    } catch (err) {
      this.update({ loading: false, error: `could not load the recordings: ${(err as Error).message}` });
    }
  }

  close(): void {
    this.closed = true;
    for (const off of this.unsubscribe) off();
  }

  private drop(recordingId: string): void {
    this.update({ recordings: this.current.recordings.filter((r) => r.id !== recordingId) });
  }

  private async pass(): Promise<string> {
    if (!this.access || this.access.expiresAt - Date.now() < RENEW_BEFORE_MS) {
      const got: RecordingsAccess = await this.signal.request('recordingsAccess', {});
      this.access = { token: got.token, expiresAt: Date.parse(got.expiresAt) };
    }
    return this.access.token;
  }

  private async hostRequest(name: 'startRecording' | 'stopRecording'): Promise<void> {
    this.update({ busy: true, error: undefined });
    try {
      const live = await this.signal.request(name, {});
      this.update({ live, liveAt: performance.now(), busy: false });
    } catch (err) {
      this.update({ busy: false, error: err instanceof Error ? err.message : String(err) });
    }
  }

  private update(patch: Partial<RecordingViewState>): void {
    this.current = { ...this.current, ...patch };
    for (const listener of this.listeners) listener();
  }
}
