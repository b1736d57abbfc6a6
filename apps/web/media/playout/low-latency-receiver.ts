import { runDecoderWorker } from './decoder-worker.ts';
import type { PlayoutMode, PlayoutStats, PlayoutTrace } from './playout-buffer.ts';
import { PLAYOUT_PROCESSOR, playoutWorkletSource, SOURCE_HELPERS, type PlayoutReport } from './playout-worklet.ts';

/** Which path plays received streams: ours, or the browser's (NetEQ). */
export type PlayoutPath = 'low-latency' | 'browser';

/** Everything our path needs: encoded transforms in a worker, WebCodecs' Opus decoder, AudioWorklet. */
export function lowLatencySupported(): boolean {
  return (
    typeof RTCRtpScriptTransform !== 'undefined' &&
    typeof AudioDecoder !== 'undefined' &&
    typeof AudioWorkletNode !== 'undefined' &&
    typeof Worker !== 'undefined'
  );
}

const TRACE_TIMEOUT_MS = 5000;

interface Stream {
  node: AudioWorkletNode;
  traced?: (trace: PlayoutTrace | undefined) => void;
  /** A take asked for and not answered yet: a second take waits for the same answer. */
  taking?: Promise<PlayoutTrace | undefined>;
  stats?: PlayoutStats;
  upstream?: { p99: number; max: number; decodedP99: number; decodedMax: number };
  error?: string;
}

/**
 * Our playout path for one room session: per stream a decoder worker, an encoded transform on its
 * receiver (attached when the browser creates the receiver, the only moment Chromium routes frames
 * to it) and a playout node in the mixer's AudioContext.
 *
 * A worker per stream, not one for all: on a busy machine the scheduler shares the CPU by thread,
 * and one worker decoding every stream of a room had frames queued for a second and more before it
 * read them (in the soak), where the browser's own path decodes on its audio thread.
 */
export class LowLatencyReceiver {
  private readonly workerUrl: string;
  private readonly workers = new Map<string, Worker>();
  private readonly ports = new Map<string, MessagePort>();
  private readonly streams = new Map<string, Stream>();
  private readonly modes = new Map<string, PlayoutMode>();
  /** Streams given back to the browser's path, and why. */
  private readonly passedOn = new Map<string, string>();

  private constructor(private readonly context: AudioContext) {
    this.workerUrl = URL.createObjectURL(new Blob([`${SOURCE_HELPERS}(${runDecoderWorker.toString()})();`], { type: 'text/javascript' }));
  }

  static async create(context: AudioContext): Promise<LowLatencyReceiver> {
    const url = URL.createObjectURL(new Blob([playoutWorkletSource()], { type: 'text/javascript' }));
    try {
      await context.audioWorklet.addModule(url);
    } finally {
      URL.revokeObjectURL(url);
    }
    return new LowLatencyReceiver(context);
  }

  /** Takes a new receiver's encoded frames (call from the peer connection's `track` event). */
  attach(trackId: string, receiver: RTCRtpReceiver): void {
    const channel = new MessageChannel();
    this.workers.get(trackId)?.terminate();
    const worker = new Worker(this.workerUrl, { name: `bandmate-playout-decoder-${trackId.slice(0, 8)}` });
    this.workers.set(trackId, worker);
    receiver.transform = new RTCRtpScriptTransform(
      worker,
      { trackId, port: channel.port1, sampleRate: this.context.sampleRate, channels: 2 },
      [channel.port1],
    );
    this.ports.set(trackId, channel.port2);
  }

  /** The node that plays a received track, made on first ask; undefined when the track was not attached. */
  node(trackId: string): AudioWorkletNode | undefined {
    const existing = this.streams.get(trackId);
    if (existing) return existing.node;
    if (this.passedOn.has(trackId)) return undefined;
    const port = this.ports.get(trackId);
    if (!port) return undefined;
    this.ports.delete(trackId);
    const node = new AudioWorkletNode(this.context, PLAYOUT_PROCESSOR, { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [2] });
    const stream: Stream = { node };
    node.port.onmessage = (e: MessageEvent<PlayoutReport>) => {
      if (e.data.type === 'stats') stream.stats = e.data.stats;
      else if (e.data.type === 'trace') stream.traced?.(e.data.trace);
      else if (e.data.type === 'upstream') stream.upstream = { p99: e.data.p99, max: e.data.max, decodedP99: e.data.decodedP99, decodedMax: e.data.decodedMax };
      else stream.error = e.data.message;
    };
    node.port.postMessage({ type: 'frames', port }, [port]);
    const mode = this.modes.get(trackId);
    if (mode) node.port.postMessage({ type: 'mode', mode });
    this.streams.set(trackId, stream);
    return node;
  }

  /**
   * Gives a stream to the browser's path for good: its frames are passed on to the browser's
   * decoder and jitter buffer, and our node stops (the caller puts the track in the mix instead).
   */
  passOn(trackId: string, reason: string): void {
    this.workers.get(trackId)?.postMessage({ type: 'pass-on' });
    this.passedOn.set(trackId, reason);
    this.stopNode(trackId);
  }

  /** Why a stream plays on the browser's path although ours runs (undefined while it is ours). */
  passedOnReason(trackId: string): string | undefined {
    return this.passedOn.get(trackId);
  }

  /** Starts a stream's trace (diagnostics: the latency bench), or takes what it recorded. */
  async trace(trackId: string, action: 'start' | 'take'): Promise<PlayoutTrace | undefined> {
    const stream = this.streams.get(trackId);
    if (!stream) return undefined;
    if (action === 'take' && stream.taking) return stream.taking;
    if (action === 'take') {
      // A node that closes before it answers must not leave the caller waiting for ever.
      stream.taking = new Promise<PlayoutTrace | undefined>((resolve) => {
        const timer = setTimeout(() => answered(undefined), TRACE_TIMEOUT_MS);
        const answered = (trace: PlayoutTrace | undefined) => {
          clearTimeout(timer);
          stream.traced = undefined;
          stream.taking = undefined;
          resolve(trace);
        };
        stream.traced = answered;
      });
    }
    const taken = action === 'take' ? stream.taking : undefined;
    stream.node.port.postMessage({ type: 'trace', action });
    return taken;
  }

  setMode(trackId: string, mode: PlayoutMode): void {
    this.modes.set(trackId, mode);
    this.streams.get(trackId)?.node.port.postMessage({ type: 'mode', mode });
  }

  mode(trackId: string): PlayoutMode {
    return this.modes.get(trackId) ?? { kind: 'auto' };
  }

  /** The buffer's figures, with how late frames reached the decoder worker (upstream of our pipeline) and left its decoder. */
  stats(trackId: string): (PlayoutStats & { upstreamLatenessP99Ms?: number; upstreamLatenessMaxMs?: number; decodedLatenessP99Ms?: number; decodedLatenessMaxMs?: number; error?: string }) | undefined {
    const stream = this.streams.get(trackId);
    if (!stream?.stats) return undefined;
    return {
      ...stream.stats,
      ...(stream.upstream ? { upstreamLatenessP99Ms: stream.upstream.p99, upstreamLatenessMaxMs: stream.upstream.max, decodedLatenessP99Ms: stream.upstream.decodedP99, decodedLatenessMaxMs: stream.upstream.decodedMax } : {}),
      ...(stream.error ? { error: stream.error } : {}),
    };
  }

  drop(trackId: string): void {
    this.ports.get(trackId)?.close();
    this.ports.delete(trackId);
    this.stopNode(trackId);
    this.modes.delete(trackId);
    this.workers.get(trackId)?.terminate();
    this.workers.delete(trackId);
    this.passedOn.delete(trackId);
  }

  /** Our node of a stream stops, and leaves the room's shared depth at once. */
  private stopNode(trackId: string): void {
    const stream = this.streams.get(trackId);
    if (!stream) return;
    stream.node.port.postMessage({ type: 'close' });
    stream.node.disconnect();
    stream.node.port.close();
    this.streams.delete(trackId);
  }

  close(): void {
    for (const id of [...this.streams.keys(), ...this.ports.keys(), ...this.workers.keys()]) this.drop(id);
    URL.revokeObjectURL(this.workerUrl);
  }
}
