import type { Page } from '@playwright/test';

/**
 * What a listener hears of each peer, as PCM: an AudioWorklet in the page's own mixer context
 * records every received stream (after the jitter buffer and decoder of the path that plays it)
 * in mono, with the context frame of each sample. All peers share that one sample clock, so their
 * recordings line up with each other and with `contextFrame` marks taken when the test acts.
 */
const PCM_TAP_WORKLET = `
class PcmTap extends AudioWorkletProcessor {
  constructor() { super(); this.chunk = new Float32Array(2400); this.n = 0; this.frame = 0; }
  process(inputs) {
    const channels = inputs[0] || [];
    const count = channels.length;
    for (let i = 0; i < 128; i++) {
      if (this.n === 0) this.frame = currentFrame + i;
      let v = 0;
      for (let c = 0; c < count; c++) v += channels[c][i];
      this.chunk[this.n++] = count ? v / count : 0;
      if (this.n === this.chunk.length) {
        this.port.postMessage({ frame: this.frame, samples: this.chunk }, [this.chunk.buffer]);
        this.chunk = new Float32Array(2400);
        this.n = 0;
      }
    }
    return true;
  }
}
registerProcessor('pcm-tap', PcmTap);
`;

interface TapWindow {
  __pcm: Record<string, Array<{ frame: number; samples: Float32Array }>>;
}

export interface Pcm {
  sampleRate: number;
  /** Context frame of samples[0]. */
  startFrame: number;
  samples: Float32Array;
}

/**
 * Records every remote peer with a track from now on, each as soon as its track is received
 * (checked every 20 ms), keyed by peer id. Call once the page has joined. A peer whose audio moves
 * to another node (our playout path giving way to the browser's on a busy machine) is recorded on
 * from the new one, into the same recording.
 */
export async function tapAllPeers(page: Page): Promise<void> {
  await page.evaluate(async (code) => {
    const session = window.__bandmate!;
    const context = session.graph!.context;
    await context.audioWorklet.addModule(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
    const w = window as unknown as TapWindow;
    w.__pcm = {};
    const taps = new Map<string, { tap: AudioWorkletNode; source: AudioNode }>();
    setInterval(() => {
      for (const peer of session.state.peers) {
        // What the mix receives of the peer, in the mix's own context (no hop through a track).
        const source = session.remoteNode(peer.id);
        const known = taps.get(peer.id);
        if (!source || known?.source === source) continue;
        if (known) {
          // The mix cut the old node off from everything when it moved the peer (throws if so).
          try {
            known.source.disconnect(known.tap);
          } catch {}
          source.connect(known.tap);
          known.source = source;
          continue;
        }
        const chunks: TapWindow['__pcm'][string] = (w.__pcm[peer.id] = []);
        const tap = new AudioWorkletNode(context, 'pcm-tap');
        tap.port.onmessage = (e) => chunks.push(e.data);
        source.connect(tap);
        taps.set(peer.id, { tap, source });
        // Pulled by the graph, heard by nobody.
        tap.connect(new GainNode(context, { gain: 0 })).connect(context.destination);
      }
    }, 20);
  }, PCM_TAP_WORKLET);
}

/** The page's audio clock now, in frames: a mark to measure recordings from. */
export function contextFrame(page: Page): Promise<number> {
  return page.evaluate(() => {
    const context = window.__bandmate!.graph!.context;
    return Math.round(context.currentTime * context.sampleRate);
  });
}

/** What the page recorded of a peer between two context frames (as far as it has). */
export async function readPcm(page: Page, peerId: string, fromFrame = 0, toFrame = Number.MAX_SAFE_INTEGER): Promise<Pcm> {
  const got = await page.evaluate(
    ({ peerId, fromFrame, toFrame }) => {
      const chunks = ((window as unknown as TapWindow).__pcm[peerId] ?? []).filter(
        (c) => c.frame + c.samples.length > fromFrame && c.frame < toFrame,
      );
      const startFrame = Math.max(fromFrame, chunks[0]?.frame ?? fromFrame);
      const end = Math.min(toFrame, chunks.length ? chunks.at(-1)!.frame + chunks.at(-1)!.samples.length : startFrame);
      const out = new Float32Array(Math.max(0, end - startFrame));
      for (const c of chunks) {
        const from = Math.max(0, startFrame - c.frame);
        const to = Math.min(c.samples.length, end - c.frame);
        if (to > from) out.set(c.samples.subarray(from, to), c.frame + from - startFrame);
      }
      // Across as base64: a JSON array of this many numbers is slow to serialise.
      const bytes = new Uint8Array(out.buffer);
      let binary = '';
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return { sampleRate: window.__bandmate!.graph!.context.sampleRate, startFrame, data: btoa(binary) };
    },
    { peerId, fromFrame, toFrame },
  );
  const bytes = Buffer.from(got.data, 'base64');
  const samples = new Float32Array(bytes.length / 4);
  for (let i = 0; i < samples.length; i++) samples[i] = bytes.readFloatLE(i * 4);
  return { sampleRate: got.sampleRate, startFrame: got.startFrame, samples };
}
