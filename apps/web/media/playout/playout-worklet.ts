import { PlayoutBuffer, type PlayoutMode, type PlayoutStats, type PlayoutTrace } from './playout-buffer.ts';

/** What the playout node tells the page, every STATS_MS. */
export type PlayoutReport =
  | { type: 'stats'; stats: PlayoutStats }
  | { type: 'error'; message: string }
  | { type: 'trace'; trace: PlayoutTrace | undefined }
  /** How late frames reached the decoder worker (before our pipeline) and left its decoder, over its last 1000, ms. */
  | { type: 'upstream'; p99: number; max: number; decodedP99: number; decodedMax: number };

export const PLAYOUT_PROCESSOR = 'bandmate-playout';

/**
 * The AudioWorklet side of our playout path: one node per received stream, holding that stream's
 * PlayoutBuffer. Decoded frames come on the port the decoder worker posts to; the page's port
 * sets the mode and reads the stats. Like the worker, this function is the module's source text.
 *
 * The nodes of one AudioContext share this scope and its audio thread: each quantum a node posts
 * the automatic depth its stream needs and plays at the deepest posted in the last second (so the
 * room's streams are heard as they were sent, together); a node that stopped (closed, or no longer
 * pulled by the graph) drops out of it.
 */
function definePlayoutProcessor(Buffer: typeof PlayoutBuffer, name: string, statsEvery: number): void {
  type Scope = {
    AudioWorkletProcessor: { new (): { port: MessagePort } };
    registerProcessor(name: string, ctor: unknown): void;
    currentFrame: number;
    sampleRate: number;
  };
  const scope = globalThis as unknown as Scope;
  /** Each running node's automatic depth (samples) and the frame it last said so. */
  const depths = new Map<object, { depth: number; at: number }>();
  const sharedDepth = (now: number): number => {
    let deepest = 0;
    for (const [node, entry] of depths) {
      if (now - entry.at > scope.sampleRate) depths.delete(node);
      else deepest = Math.max(deepest, entry.depth);
    }
    return deepest;
  };
  class PlayoutProcessor extends scope.AudioWorkletProcessor {
    private readonly buffer = new Buffer(scope.sampleRate, 2, 128);
    private quanta = 0;
    private closed = false;
    /** This node's entry in `depths`, updated in place (no allocation on the audio thread per quantum). */
    private readonly entry = { depth: 0, at: 0 };

    constructor() {
      super();
      this.port.onmessage = (e: MessageEvent) => {
        const msg = e.data as { type: 'frames'; port: MessagePort } | { type: 'mode'; mode: PlayoutMode } | { type: 'close' } | { type: 'trace'; action: 'start' | 'take' };
        if (msg.type === 'mode') this.buffer.setMode(msg.mode);
        else if (msg.type === 'trace') {
          const trace = this.buffer.trace(msg.action);
          if (msg.action === 'take') this.port.postMessage({ type: 'trace', trace });
        }
        else if (msg.type === 'close') {
          this.closed = true;
          depths.delete(this);
        }
        else if (msg.type === 'frames') {
          msg.port.onmessage = (f: MessageEvent) => {
            const frame = f.data as { type: 'frame'; rtp: number; planes: Float32Array[] } | { type: 'error' | 'upstream' };
            if (frame.type === 'frame') this.buffer.push(frame.rtp, frame.planes, scope.currentFrame);
            else this.port.postMessage(frame);
          };
        }
      };
    }

    process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
      if (this.closed) return false;
      const own = this.buffer.ownDepth();
      if (own === undefined) depths.delete(this);
      else {
        this.entry.depth = own;
        this.entry.at = scope.currentFrame;
        depths.set(this, this.entry);
      }
      this.buffer.setSharedDepth(sharedDepth(scope.currentFrame));
      const out = outputs[0];
      if (out) this.buffer.render(out, scope.currentFrame);
      if (++this.quanta % statsEvery === 0) this.port.postMessage({ type: 'stats', stats: this.buffer.stats() });
      return true;
    }
  }
  scope.registerProcessor(name, PlayoutProcessor);
}

/**
 * Compilers may wrap functions and classes in a naming helper (esbuild's `__name`, with keepNames)
 * that exists in the bundle but not in a module made from their text: it is defined here.
 */
export const SOURCE_HELPERS = 'const __name = (target, value) => Object.defineProperty(target, "name", { value, configurable: true });\n';

/** The worklet module's source: the buffer class and the processor, self-contained. */
export function playoutWorkletSource(statsEveryQuanta = 94): string {
  return `${SOURCE_HELPERS}const PlayoutBuffer = ${PlayoutBuffer.toString()};\n(${definePlayoutProcessor.toString()})(PlayoutBuffer, ${JSON.stringify(PLAYOUT_PROCESSOR)}, ${statsEveryQuanta});\n`;
}
