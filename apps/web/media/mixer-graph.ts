import { SAMPLE_RATE } from '@bandmate/shared';
import { analyse, rmsDb, type ChannelAnalysis } from './analysis.ts';

export interface StripSettings {
  gain: number;
  muted: boolean;
  /** −1 (left) … +1 (right). */
  pan: number;
}

export interface StripLevels {
  left: number;
  right: number;
}

/** One source in the local mix: gain → meters (post-fader, per channel) → pan → master. */
class ChannelStrip {
  readonly gain: GainNode;
  readonly panner: StereoPannerNode;
  /** Long windows (341 ms) for the frequency analysis the tests read. */
  readonly meters: [AnalyserNode, AnalyserNode];
  /**
   * Short windows (43 ms) for the level meters, read 15 times a second: reading the long ones there
   * took 7 % of a core per page (measured with the profiler on the 2-core machine).
   */
  readonly levelMeters: [AnalyserNode, AnalyserNode];
  private readonly levelBuffer = new Float32Array(LEVEL_FFT);
  private readonly splitter: ChannelSplitterNode;
  settings: StripSettings = { gain: 1, muted: false, pan: 0 };

  constructor(
    context: AudioContext,
    private readonly input: AudioNode,
    output: AudioNode | null,
  ) {
    this.gain = new GainNode(context, { channelCount: 2, channelCountMode: 'explicit' });
    this.panner = new StereoPannerNode(context);
    this.splitter = new ChannelSplitterNode(context, { numberOfOutputs: 2 });
    this.meters = [meter(context), meter(context)];
    this.levelMeters = [meter(context, LEVEL_FFT), meter(context, LEVEL_FFT)];
    input.connect(this.gain);
    this.gain.connect(this.splitter);
    for (const c of [0, 1] as const) {
      this.splitter.connect(this.meters[c], c);
      this.splitter.connect(this.levelMeters[c], c);
    }
    if (output) this.gain.connect(this.panner).connect(output);
  }

  apply(settings: Partial<StripSettings>): void {
    this.settings = { ...this.settings, ...settings };
    const now = this.gain.context.currentTime;
    // A short ramp avoids clicks when a fader jumps.
    this.gain.gain.setTargetAtTime(this.settings.muted ? 0 : this.settings.gain, now, 0.01);
    this.panner.pan.setTargetAtTime(Math.max(-1, Math.min(1, this.settings.pan)), now, 0.01);
  }

  levels(): StripLevels {
    return { left: rmsDb(this.levelMeters[0], this.levelBuffer), right: rmsDb(this.levelMeters[1], this.levelBuffer) };
  }

  disconnect(): void {
    this.input.disconnect();
    this.gain.disconnect();
    this.panner.disconnect();
    this.splitter.disconnect();
  }
}

const LEVEL_FFT = 2048;

function meter(context: AudioContext, fftSize = 16384): AnalyserNode {
  return new AnalyserNode(context, { fftSize, smoothingTimeConstant: 0 });
}

/**
 * The personal mix each listener hears, built in WebAudio: every remote
 * musician (and later the AI) gets a strip; the own microphone is metered but
 * not played back, since the player hears their instrument acoustically.
 */
export class MixerGraph {
  readonly context: AudioContext;
  private readonly master: GainNode;
  private readonly masterStrip: ChannelStrip;
  private readonly strips = new Map<string, ChannelStrip>();
  /** Chromium only pulls remote WebRTC audio into WebAudio while a media element plays it. */
  private readonly sinks = new Map<string, HTMLAudioElement>();
  /** Each source as it comes in (before its fader), and a track of it once someone asks for one. */
  private readonly inputs = new Map<string, AudioNode>();
  private readonly taps = new Map<string, MediaStreamAudioDestinationNode>();

  private readonly ownsContext: boolean;

  constructor(context?: AudioContext) {
    // 0 s asks for the smallest output buffer the device allows (the browser clamps it there).
    this.context = context ?? new AudioContext({ latencyHint: 0, sampleRate: SAMPLE_RATE });
    this.ownsContext = !context;
    this.master = new GainNode(this.context);
    this.masterStrip = new ChannelStrip(this.context, this.master, this.context.destination);
  }

  async resume(): Promise<void> {
    if (this.context.state !== 'running') await this.context.resume();
  }

  addSource(id: string, track: MediaStreamTrack, options: { monitor: boolean }): void {
    this.removeSource(id);
    const stream = new MediaStream([track]);
    if (options.monitor) {
      const sink = new Audio();
      sink.muted = true;
      sink.srcObject = stream;
      void sink.play().catch((err) => console.warn(`[bandmate] could not start playback of ${id}`, err));
      this.sinks.set(id, sink);
    }
    const source = new MediaStreamAudioSourceNode(this.context, { mediaStream: stream });
    this.strips.set(id, new ChannelStrip(this.context, source, options.monitor ? this.master : null));
    this.inputs.set(id, source);
  }

  /** A source that is already audio in this context (our playout path's node), heard in the mix. */
  addNodeSource(id: string, node: AudioNode): void {
    this.removeSource(id);
    this.strips.set(id, new ChannelStrip(this.context, node, this.master));
    this.inputs.set(id, node);
  }

  /** A source as it comes in, before its fader (for analysis in this context). */
  input(id: string): AudioNode | undefined {
    return this.inputs.get(id);
  }

  /** A source as a track (for analysis elsewhere, or to send on), made on first ask. */
  track(id: string): MediaStreamTrack | undefined {
    const input = this.inputs.get(id);
    if (!input) return undefined;
    let tap = this.taps.get(id);
    if (!tap) {
      tap = new MediaStreamAudioDestinationNode(this.context, { channelCount: 2 });
      input.connect(tap);
      this.taps.set(id, tap);
    }
    return tap.stream.getAudioTracks()[0];
  }

  /** Output latency of this context: the device's and WebAudio's own buffer, ms. */
  outputLatencyMs(): number {
    const c = this.context as AudioContext & { outputLatency?: number };
    return ((c.outputLatency ?? 0) + (c.baseLatency ?? 0)) * 1000;
  }

  removeSource(id: string): void {
    this.strips.get(id)?.disconnect();
    this.strips.delete(id);
    this.inputs.delete(id);
    this.taps.get(id)?.disconnect();
    this.taps.delete(id);
    const sink = this.sinks.get(id);
    if (sink) {
      sink.srcObject = null;
      this.sinks.delete(id);
    }
  }

  setStrip(id: string, settings: Partial<StripSettings>): void {
    this.strips.get(id)?.apply(settings);
  }

  strip(id: string): StripSettings | undefined {
    return this.strips.get(id)?.settings;
  }

  levels(id: string): StripLevels | undefined {
    const strip = id === 'master' ? this.masterStrip : this.strips.get(id);
    if (!strip) return undefined;
    return strip.levels();
  }

  /** Per-channel level and dominant frequency of a source ('master' for the whole mix). */
  analyse(id: string): { left: ChannelAnalysis; right: ChannelAnalysis } | undefined {
    const strip = id === 'master' ? this.masterStrip : this.strips.get(id);
    if (!strip) return undefined;
    return { left: analyse(strip.meters[0]), right: analyse(strip.meters[1]) };
  }

  async close(): Promise<void> {
    for (const id of [...this.strips.keys()]) this.removeSource(id);
    this.masterStrip.disconnect();
    if (this.ownsContext) await this.context.close();
  }
}
