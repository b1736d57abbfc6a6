// How fast the SoundFont synth renders what the AI band member plays, on the one thread the worker
// gives it: real-time factor and ms per 20 ms block, per part, at 24 and 48 kHz.
//
//   npm run bench:synth [-- --seconds 30]
import { DEFAULT_SOUNDFONT_PATH, RENDER_QUANTUM, SoundFontSynth, type NoteEvent } from '../src/soundfont-synth.ts';
import { PATTERN_CHANNELS, pattern, type PatternName } from './patterns.ts';

const RATES = [24000, 48000];
const BLOCK_S = 0.02;
const secondsFlag = process.argv.indexOf('--seconds');
const SECONDS = secondsFlag >= 0 ? Number(process.argv[secondsFlag + 1]) : 20;

const PARTS: Record<PatternName, string> = {
  drums: 'drum groove: 16th hats, kick and snare',
  bass: 'bass line: 8th notes',
  piano: 'piano: 4-note chords every 2 beats',
};

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function bench(name: PatternName, sampleRate: number) {
  const synth = await SoundFontSynth.load(DEFAULT_SOUNDFONT_PATH, { sampleRate, channels: [PATTERN_CHANNELS[name]] });
  const block = Math.round(BLOCK_S * sampleRate);
  const total = Math.floor((SECONDS * sampleRate) / block) * block;
  const events = pattern(name, sampleRate, SECONDS);
  const blockTimes: number[] = [];
  let next = 0;
  const started = performance.now();
  while (synth.cursor < total) {
    const end = synth.cursor + block;
    const first = next;
    while (next < events.length && events[next]!.sample < end) next++;
    const blockEvents: NoteEvent[] = events.slice(first, next);
    const t0 = performance.now();
    synth.render(block, blockEvents);
    blockTimes.push(performance.now() - t0);
  }
  const elapsed = performance.now() - started;
  blockTimes.sort((a, b) => a - b);
  return {
    rtf: SECONDS / (elapsed / 1000),
    mean: blockTimes.reduce((a, b) => a + b, 0) / blockTimes.length,
    p50: quantile(blockTimes, 0.5),
    p99: quantile(blockTimes, 0.99),
    max: blockTimes.at(-1)!,
  };
}

console.log(`SoundFontSynth, ${SECONDS} s per part in 20 ms blocks, render quantum ${RENDER_QUANTUM}, one thread (Node ${process.version})`);
// One untimed pass loads the font and lets the JIT settle, as a long-running worker would have.
await bench('drums', RATES[0]!);
for (const sampleRate of RATES) {
  for (const name of Object.keys(PARTS) as PatternName[]) {
    const r = await bench(name, sampleRate);
    console.log(
      `${String(sampleRate / 1000).padStart(2)} kHz  ${PARTS[name].padEnd(38)}  ${r.rtf.toFixed(0).padStart(4)}× real time` +
        `  ms per 20 ms: mean ${r.mean.toFixed(3)}  p50 ${r.p50.toFixed(3)}  p99 ${r.p99.toFixed(3)}  max ${r.max.toFixed(2)}`,
    );
  }
}
