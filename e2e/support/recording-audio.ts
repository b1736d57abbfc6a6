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

/**
 * Times the bursts of the page's microphone (the track it publishes) on the wall clock, from the
 * captured audio itself: a MediaStreamTrackProcessor on a clone of the track hands over each
 * captured chunk with its capture timestamp, and each burst's onset is placed at its sample in
 * its chunk. The capture clock is mapped to the page's clock by the lower hull of the chunks'
 * (arrival − capture end) (the chunks read promptly, lowerHull): a busy page delays reads, not the
 * hull, and a capture clock drifting against the page's is followed.
 * (A WebAudio tap was used before: on a loaded machine its input queue grew by whole buffers,
 * 10–90 ms, and the reference moved with it.)
 */
export async function startMicOnsetTap(page: Page): Promise<void> {
  await page.evaluate(() => {
    type Tap = { onsets: number[]; chunks: Array<[number, number]>; gaps: number; error?: string };
    const w = window as unknown as { __micStreams: MediaStream[]; __micTap: Tap };
    const stream = w.__micStreams.at(-1);
    if (!stream) throw new Error('no microphone stream captured');
    const track = stream.getAudioTracks()[0]!.clone();
    const Processor = (window as unknown as { MediaStreamTrackProcessor: new (o: { track: MediaStreamTrack; maxBufferSize?: number }) => { readable: ReadableStream<AudioData> } }).MediaStreamTrackProcessor;
    // Its queue holds a few chunks by default and drops the oldest: a stalled page would lose bursts.
    const reader = new Processor({ track, maxBufferSize: 1000 }).readable.getReader();
    const tap: Tap = { onsets: [], chunks: [], gaps: 0 };
    w.__micTap = tap;
    let quiet = 0;
    let armed = true;
    let plane = new Float32Array(0);
    void (async () => {
      for (;;) {
        const { value: data, done } = await reader.read();
        if (done || !data) return;
        const arrival = performance.now();
        const n = data.numberOfFrames;
        const rate = data.sampleRate;
        const startMs = data.timestamp / 1000;
        if (plane.length < n) plane = new Float32Array(n);
        data.copyTo(plane, { planeIndex: 0, format: 'f32-planar' });
        data.close();
        // A chunk missing before this one (dropped under load): a burst whose start it held would be
        // found late here, so nothing is taken until the next quiet.
        const previous = tap.chunks.at(-1);
        if (previous && startMs - previous[0] > 1) {
          tap.gaps++;
          armed = false;
          quiet = 0;
        }
        tap.chunks.push([startMs + (n / rate) * 1000, arrival]);
        const quietNeeded = rate * 0.02;
        for (let i = 0; i < n; i++) {
          const v = Math.abs(plane[i]!);
          quiet = v < 0.02 ? quiet + 1 : 0;
          if (quiet >= quietNeeded) armed = true;
          if (armed && v > 0.1) {
            tap.onsets.push(startMs + (i / rate) * 1000);
            armed = false;
          }
        }
      }
    })().catch((err: unknown) => {
      tap.error = String(err);
    });
  });
}

/** The bursts' onsets on the wall clock (ms), and how many times captured chunks were missing. */
export async function readMicOnsets(page: Page): Promise<{ onsets: number[]; gaps: number }> {
  const tap = await page.evaluate(() => {
    const t = (window as unknown as { __micTap: { onsets: number[]; chunks: Array<[number, number]>; gaps: number; error?: string } }).__micTap;
    return { onsets: [...t.onsets], chunks: t.chunks.map((c) => [...c] as [number, number]), gaps: t.gaps, error: t.error, timeOrigin: performance.timeOrigin };
  });
  if (tap.error) throw new Error(`the microphone tap failed: ${tap.error}`);
  if (tap.chunks.length === 0) throw new Error('the microphone tap read no chunk');
  const hull = lowerHull(tap.chunks.map(([end, arrival]) => [end, arrival - end] as const));
  const onsets = tap.onsets.map((at) => tap.timeOrigin + at + onHull(hull, at));
  return { onsets, gaps: tap.gaps };
}

type Point = readonly [number, number];

/**
 * The lower convex hull of (capture end, arrival − capture end) over the whole tap: the chunks read
 * promptly lie on it, and a capture clock drifting against the page's tilts it. A page that stalled
 * for seconds (a loaded CI machine: reads 50–170 ms late for several seconds) lies above it, where
 * a least offset within a second of the onset took that stall for the capture clock.
 */
export function lowerHull(points: Point[]): Point[] {
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const hull: Point[] = [];
  for (const p of sorted) {
    while (hull.length >= 2) {
      const [o, a] = [hull.at(-2)!, hull.at(-1)!];
      // a is above the segment o → p: not on the lower hull.
      if ((a[0] - o[0]) * (p[1] - o[1]) - (a[1] - o[1]) * (p[0] - o[0]) <= 0) hull.pop();
      else break;
    }
    hull.push(p);
  }
  return hull;
}

/** The hull's value at x (its end segments' values beyond its ends). */
export function onHull(hull: Point[], x: number): number {
  if (hull.length === 1) return hull[0]![1];
  let i = 1;
  while (i < hull.length - 1 && hull[i]![0] < x) i++;
  const [a, b] = [hull[i - 1]!, hull[i]!];
  return b[0] === a[0] ? Math.min(a[1], b[1]) : a[1] + ((b[1] - a[1]) * (x - a[0])) / (b[0] - a[0]);
}
