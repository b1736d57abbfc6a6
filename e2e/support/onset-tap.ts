import type { Page } from '@playwright/test';

/**
 * An AudioWorklet that listens to the metronome's output node in the page and reports every
 * click it actually renders: the AudioContext frame of its first sample above the threshold,
 * its peak and its frequency (zero crossings over its first 10 ms). Frames are on the same
 * sample clock the clicks were scheduled on, so the comparison is sample-exact.
 */
const ONSET_TAP_WORKLET = `
class OnsetTap extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.threshold = options.processorOptions.threshold;
    this.window = Math.round(sampleRate * 0.01);
    this.quiet = Math.round(sampleRate * 0.04);
    this.current = null;
    this.silentFor = this.quiet;
    this.last = 0;
  }
  process(inputs) {
    const input = inputs[0] && inputs[0][0];
    if (!input) { this.silentFor += 128; return true; }
    for (let i = 0; i < input.length; i++) {
      const x = input[i];
      const frame = currentFrame + i;
      if (this.current) {
        const c = this.current;
        if (Math.abs(x) > c.peak) c.peak = Math.abs(x);
        if ((x > 0) !== (this.last > 0) && x !== 0) c.crossings++;
        if (frame - c.frame >= this.window) {
          this.port.postMessage({ frame: c.frame, peak: c.peak, hz: c.crossings / 2 / (this.window / sampleRate) });
          this.current = null;
        }
      } else if (Math.abs(x) > this.threshold && this.silentFor >= this.quiet) {
        this.current = { frame, peak: Math.abs(x), crossings: 0 };
      }
      this.silentFor = Math.abs(x) > this.threshold ? 0 : this.silentFor + 1;
      if (x !== 0) this.last = x;
    }
    return true;
  }
}
registerProcessor('onset-tap', OnsetTap);
`;

export interface Onset {
  frame: number;
  peak: number;
  hz: number;
}

/** Connects the tap to the page's metronome output; read the onsets with `readOnsets`. */
export async function installOnsetTap(page: Page, threshold = 0.05): Promise<void> {
  await page.evaluate(
    async ({ code, threshold }) => {
      const metronome = window.__bandmate!.metronome!.metronome;
      const context = metronome.output.context as AudioContext;
      await context.audioWorklet.addModule(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
      const tap = new AudioWorkletNode(context, 'onset-tap', { processorOptions: { threshold } });
      const onsets: unknown[] = [];
      tap.port.onmessage = (e) => onsets.push(e.data);
      metronome.output.connect(tap);
      // Pulled by the graph, heard by nobody.
      tap.connect(new GainNode(context, { gain: 0 })).connect(context.destination);
      (window as unknown as { __onsets: unknown[] }).__onsets = onsets;
    },
    { code: ONSET_TAP_WORKLET, threshold },
  );
}

export function readOnsets(page: Page): Promise<Onset[]> {
  return page.evaluate(() => [...(window as unknown as { __onsets: Onset[] }).__onsets]);
}
