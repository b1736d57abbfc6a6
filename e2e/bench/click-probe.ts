/**
 * Browser-side code of the latency benchmark, passed to page.evaluate as source.
 * An AudioWorklet emits a click every `intervalFrames` on its output and reports,
 * for each click, the frame at which the click came back on its input: both on
 * the one sample clock of one AudioContext, so no cross-clock error enters.
 */
export const CLICK_PROBE_WORKLET = `
class ClickProbe extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.interval = options.processorOptions.intervalFrames;
    this.burst = 240; // 5 ms of 2 kHz
    this.threshold = options.processorOptions.threshold;
    this.next = currentFrame + this.interval;
    this.pending = [];
    this.armedUntil = 0;
  }
  process(inputs, outputs) {
    const out = outputs[0];
    const input = inputs[0] && inputs[0][0];
    const frames = out[0].length;
    for (let i = 0; i < frames; i++) {
      const frame = currentFrame + i;
      if (frame === this.next) {
        this.pending.push(frame);
        this.next += this.interval;
      }
      const last = this.pending.length ? this.pending[this.pending.length - 1] : -1e12;
      const age = frame - last;
      const v = age >= 0 && age < this.burst ? 0.8 * Math.sin((2 * Math.PI * 2000 * age) / sampleRate) : 0;
      for (const ch of out) ch[i] = v;
      if (input && this.pending.length && frame > this.armedUntil && Math.abs(input[i]) > this.threshold) {
        const sent = this.pending.shift();
        if (frame - sent < this.interval) this.port.postMessage({ sent, received: frame });
        this.armedUntil = frame + this.burst * 4;
        this.pending = this.pending.filter((f) => f > frame - this.interval);
      }
      while (this.pending.length && frame - this.pending[0] >= this.interval) this.pending.shift();
    }
    return true;
  }
}
registerProcessor('click-probe', ClickProbe);
`;
