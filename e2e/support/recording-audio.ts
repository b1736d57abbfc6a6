import type { Page } from '@playwright/test';

/**
 * Measuring recordings in browser tests: reading the WAV files the SFU serves, finding tone
 * bursts and their frequencies in them, and timing the same bursts at each musician's microphone
 * on the wall clock (which the SFU's recording start is also given in).
 */

export interface Wav {
  sampleRate: number;
  bitsPerSample: number;
  channels: Float32Array[];
}

/** PCM WAV, 16 or 24-bit, as the recorder writes it. */
export function parseWav(buf: Buffer): Wav {
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a WAV file');
  let offset = 12;
  let fmt: { channels: number; sampleRate: number; bits: number } | undefined;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') fmt = { channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
    if (id === 'data' && fmt) {
      const bytes = fmt.bits / 8;
      const frames = Math.floor(Math.min(size, buf.length - body) / (bytes * fmt.channels));
      const channels = Array.from({ length: fmt.channels }, () => new Float32Array(frames));
      for (let i = 0; i < frames; i++) {
        for (let c = 0; c < fmt.channels; c++) {
          const at = body + (i * fmt.channels + c) * bytes;
          channels[c]![i] = bytes === 2 ? buf.readInt16LE(at) / 32768 : buf.readIntLE(at, 3) / 8388608;
        }
      }
      return { sampleRate: fmt.sampleRate, bitsPerSample: fmt.bits, channels };
    }
    offset = body + size + (size % 2);
  }
  throw new Error('WAV without fmt/data');
}

/** Times (ms) where a burst starts: the first sample above 0.1 after 20 ms below 0.02. */
export function burstOnsetsMs(x: Float32Array, sampleRate: number): number[] {
  const found: number[] = [];
  const quietNeeded = Math.round(sampleRate * 0.02);
  let quiet = 0;
  let armed = true;
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(x[i]!);
    quiet = v < 0.02 ? quiet + 1 : 0;
    if (quiet >= quietNeeded) armed = true;
    if (armed && v > 0.1) {
      found.push((i * 1000) / sampleRate);
      armed = false;
    }
  }
  return found;
}

/** Amplitude of `hz` in x over [fromMs, fromMs + lenMs) (Goertzel), 1 for a full-scale sine. */
export function toneLevel(x: Float32Array, sampleRate: number, fromMs: number, lenMs: number, hz: number): number {
  const from = Math.max(0, Math.round((fromMs * sampleRate) / 1000));
  const to = Math.min(x.length, from + Math.round((lenMs * sampleRate) / 1000));
  const c = 2 * Math.cos((2 * Math.PI * hz) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = from; i < to; i++) {
    const s0 = x[i]! + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return to > from ? (2 * Math.sqrt(Math.max(0, s1 * s1 + s2 * s2 - c * s1 * s2))) / (to - from) : 0;
}

/** The strongest frequency between loHz and hiHz (1 Hz steps) over a window. */
export function dominantHz(x: Float32Array, sampleRate: number, fromMs: number, lenMs: number, loHz = 200, hiHz = 1200): number {
  let best = loHz;
  let bestLevel = -1;
  for (let hz = loHz; hz <= hiHz; hz++) {
    const level = toneLevel(x, sampleRate, fromMs, lenMs, hz);
    if (level > bestLevel) {
      bestLevel = level;
      best = hz;
    }
  }
  return best;
}

/** Keeps the stream each getUserMedia call returns on window.__micStreams (call before the page loads). */
export async function captureMicrophone(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __micStreams: MediaStream[] };
    w.__micStreams = [];
    const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (constraints) => {
      const stream = await original(constraints);
      w.__micStreams.push(stream);
      return stream;
    };
  });
}

const MIC_ONSETS_WORKLET = `
class MicOnsets extends AudioWorkletProcessor {
  constructor() { super(); this.quiet = 0; this.armed = true; }
  process(inputs) {
    const x = inputs[0] && inputs[0][0];
    if (!x) return true;
    for (let i = 0; i < x.length; i++) {
      const v = Math.abs(x[i]);
      this.quiet = v < 0.02 ? this.quiet + 1 : 0;
      if (this.quiet >= sampleRate * 0.02) this.armed = true;
      if (this.armed && v > 0.1) { this.port.postMessage(currentFrame + i); this.armed = false; }
    }
    return true;
  }
}
registerProcessor('mic-onsets', MicOnsets);
`;

/**
 * Times the bursts of the page's microphone (the track it publishes) on the wall clock: each
 * onset's AudioContext frame, mapped through getOutputTimestamp() (a context time and the
 * performance time it goes with, read together by the audio thread, so a busy main thread does
 * not blur it). That pair says when a frame is heard; the context's output latency is taken off
 * to get when it was processed.
 */
export async function startMicOnsetTap(page: Page): Promise<void> {
  await page.evaluate(async (code) => {
    const w = window as unknown as { __micStreams: MediaStream[]; __micOnsets: number[] };
    const stream = w.__micStreams.at(-1);
    if (!stream) throw new Error('no microphone stream captured');
    const ctx = new AudioContext({ sampleRate: 48000 });
    await ctx.audioWorklet.addModule(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
    const node = new AudioWorkletNode(ctx, 'mic-onsets', { numberOfOutputs: 0 });
    w.__micOnsets = [];
    node.port.onmessage = (e: MessageEvent<number>) => {
      const { contextTime, performanceTime } = ctx.getOutputTimestamp();
      const latencyMs = ((ctx.outputLatency || 0) + (ctx.baseLatency || 0)) * 1000;
      const at =
        performanceTime && contextTime
          ? performanceTime - latencyMs + (e.data / ctx.sampleRate - contextTime) * 1000
          : performance.now() - (ctx.currentTime - e.data / ctx.sampleRate) * 1000;
      w.__micOnsets.push(performance.timeOrigin + at);
    };
    ctx.createMediaStreamSource(stream).connect(node);
  }, MIC_ONSETS_WORKLET);
}

export function readMicOnsets(page: Page): Promise<number[]> {
  return page.evaluate(() => [...(window as unknown as { __micOnsets: number[] }).__micOnsets]);
}
