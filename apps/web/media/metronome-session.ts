import { describeBeat, firstBeatAtOrAfter, type Beat, type TempoState } from '@bandmate/shared';
import { ClockSync, type ClockEstimate } from './clock-sync.ts';
import { Metronome } from './metronome.ts';
import type { SignalClient } from './signal-client.ts';

export interface MetronomeViewState {
  tempo: TempoState;
  clock: ClockEstimate | null;
  /** This participant's click level (local only). */
  volume: number;
  muted: boolean;
  /** The last refusal of a host request, for the panel. */
  error?: string;
}

/**
 * The room's metronome as one page sees it: clock sync with the SFU, the grid the host sets
 * (from the join reply and 'tempo' notifications), the local click, and the host's requests.
 * React renders `state`; the media objects stay here.
 */
export class MetronomeSession {
  readonly clock: ClockSync;
  readonly metronome: Metronome;
  private current: MetronomeViewState;
  private readonly listeners = new Set<() => void>();
  private readonly unsubscribe: Array<() => void>;

  constructor(
    private readonly signal: SignalClient,
    context: AudioContext,
    tempo: TempoState,
  ) {
    this.clock = new ClockSync((t0) => signal.request('clockSync', { t0 }));
    this.metronome = new Metronome(context, this.clock);
    this.current = { tempo, clock: null, volume: 1, muted: false };
    this.metronome.setTempo(tempo);
    this.unsubscribe = [
      signal.on('tempo', (next) => this.applyTempo(next)),
      this.clock.subscribe(() => this.update({ clock: this.clock.estimate })),
    ];
    this.clock.start();
  }

  get state(): MetronomeViewState {
    return this.current;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The beat sounding now (null while stopped or before the count-in), for the beat display. */
  currentBeat(): Beat | null {
    const tempo = this.current.tempo;
    if (!tempo.running || tempo.startAt === null || !this.clock.synced) return null;
    const now = this.clock.serverNow();
    const next = firstBeatAtOrAfter(tempo, now);
    const index = next - 1;
    if (index < -tempo.countInBeats) return null;
    return describeBeat(tempo, index);
  }

  /** Host only; the server refuses others with not_host, shown in the panel. */
  setTempo(change: { bpm?: number; beatsPerBar?: number }): Promise<void> {
    return this.hostRequest(() => this.signal.request('setTempo', change));
  }

  start(): Promise<void> {
    return this.hostRequest(() => this.signal.request('startMetronome', {}));
  }

  stop(): Promise<void> {
    return this.hostRequest(() => this.signal.request('stopMetronome', {}));
  }

  setVolume(settings: Partial<{ volume: number; muted: boolean }>): void {
    this.metronome.setVolume(settings);
    this.update(settings);
  }

  close(): void {
    for (const off of this.unsubscribe) off();
    this.clock.stop();
    this.metronome.close();
  }

  private async hostRequest(send: () => Promise<TempoState>): Promise<void> {
    try {
      this.applyTempo(await send());
      this.update({ error: undefined });
    } catch (err) {
      this.update({ error: err instanceof Error ? err.message : String(err) });
    }
  }

  private applyTempo(tempo: TempoState): void {
    this.metronome.setTempo(tempo);
    this.update({ tempo });
  }

  private update(patch: Partial<MetronomeViewState>): void {
    this.current = { ...this.current, ...patch };
    for (const listener of this.listeners) listener();
  }
}
