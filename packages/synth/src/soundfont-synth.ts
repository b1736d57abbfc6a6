import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  BasicSoundBank,
  MIDIControllers,
  SoundBankLoader,
  SpessaLog,
  SpessaSynthProcessor,
  type BasicPreset,
} from 'spessasynth_core';

export { DEFAULT_SOUNDFONT_PATH, SHIPPED_PRESETS } from './shipped-presets.ts';

export interface NoteEvent {
  /** Absolute sample index at the synth's rate. */
  sample: number;
  type: 'on' | 'off';
  channel: number;
  key: number;
  velocity: number;
}

/** Channel 9 with bank 128 is the General MIDI drum kit; bank 128 on any channel makes it a drum channel. */
export interface ChannelProgram {
  channel: number;
  bank: number;
  program: number;
}

export interface SoundFontSynthOptions {
  sampleRate: number;
  channels: ChannelProgram[];
  /** Linear gain on the mono output. */
  gain?: number;
}

/**
 * The engine renders in slices of at most this many samples, cut at multiples of it on the
 * absolute sample clock and at every event. spessasynth updates envelopes, LFOs and filters once
 * per slice, so its output depends on where slices are cut: fixing the cuts on that clock makes the
 * output bit-identical however a caller cuts the stream into blocks, as long as every block length
 * is a multiple of this (10 and 20 ms at 24 and 48 kHz are). Other lengths render just as well,
 * but may differ from a differently cut render in the last bits.
 *
 * A voice starts on its event's sample, but its sound begins after SoundFont 2's minimum envelope
 * delay (1 ms), at the slice where that delay ends: within one quantum (0.67 ms at 24 kHz, 0.33 ms
 * at 48 kHz) of note-on + 1 ms. A smaller quantum tightens that and costs CPU (see the benchmark).
 */
export const RENDER_QUANTUM = 16;

/**
 * A velocity-100 note over its first second measures about −20 dBFS RMS with this: −23 for the
 * shipped piano's A4, −17 for the basses' E2 (packages/synth/SOUNDFONT.md has every preset). Drums
 * hit at velocity 120 and up can peak above 0 dBFS: whatever encodes the output must limit or clip.
 */
export const DEFAULT_GAIN = 3.4;

const PERCUSSION_BANK = 128;
const MIDI_CHANNELS = 16;

export class SynthEventError extends RangeError {
  override readonly name = 'SynthEventError';
}

// Each font is parsed and its samples decoded once per process, however many synths use it.
const soundBanks = new Map<string, Promise<BasicSoundBank>>();

async function loadSoundBank(soundFontPath: string): Promise<BasicSoundBank> {
  const key = path.resolve(soundFontPath);
  let bank = soundBanks.get(key);
  if (!bank) {
    bank = (async () => {
      const file = await readFile(key);
      await BasicSoundBank.isSF3DecoderReady;
      return SoundBankLoader.fromArrayBuffer(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer);
    })();
    soundBanks.set(key, bank);
    bank.catch(() => soundBanks.delete(key));
  }
  return bank;
}

function findPreset(bank: BasicSoundBank, { bank: bankNumber, program }: ChannelProgram): BasicPreset | undefined {
  const drums = bankNumber === PERCUSSION_BANK;
  return bank.presets.find(
    (p) => p.program === program && p.isDrum === drums && (drums || (p.bankMSB === bankNumber && p.bankLSB === 0)),
  );
}

/** Decoding an SF3 sample takes milliseconds: do it at load, not at a note-on in a live render. */
function decodeSamples(preset: BasicPreset): void {
  for (const zone of preset.zones) {
    for (const instrumentZone of zone.instrument.zones) instrumentZone.sample.getAudioData();
  }
}

/**
 * A General MIDI SoundFont synthesizer rendering dry mono audio, each note event applied on its
 * own sample (see RENDER_QUANTUM for when its sound begins). Deterministic: the same events give
 * the same samples.
 */
export class SoundFontSynth {
  private readonly processor: SpessaSynthProcessor;
  private readonly gain: number;
  private readonly configuredChannels: ReadonlySet<number>;
  private position = 0;
  private left = new Float32Array(0);
  private right = new Float32Array(0);

  private constructor(processor: SpessaSynthProcessor, gain: number, channels: ReadonlySet<number>) {
    this.processor = processor;
    this.gain = gain;
    this.configuredChannels = channels;
  }

  static async load(soundFontPath: string, options: SoundFontSynthOptions): Promise<SoundFontSynth> {
    const { sampleRate, channels, gain = DEFAULT_GAIN } = options;
    if (!Number.isInteger(sampleRate) || sampleRate < 8000 || sampleRate > 192000) {
      throw new RangeError(`sampleRate must be an integer in 8000–192000 Hz, got ${sampleRate}`);
    }
    if (!(gain >= 0)) throw new RangeError(`gain must be ≥ 0, got ${gain}`);
    SpessaLog.infoEnabled = false;
    const bank = await loadSoundBank(soundFontPath);

    const processor = new SpessaSynthProcessor(sampleRate, {
      maxBufferSize: RENDER_QUANTUM,
      // Dry and deterministic: reverb, chorus and delay run only when effects are enabled.
      effectsEnabled: false,
      eventsEnabled: false,
    });
    processor.soundBankManager.addSoundBank(bank, 'main');
    await processor.processorInitialized;

    const seen = new Set<number>();
    for (const channel of channels) {
      if (!Number.isInteger(channel.channel) || channel.channel < 0 || channel.channel >= MIDI_CHANNELS) {
        throw new RangeError(`channel must be an integer in 0–${MIDI_CHANNELS - 1}, got ${channel.channel}`);
      }
      if (seen.has(channel.channel)) throw new RangeError(`channel ${channel.channel} is configured twice`);
      seen.add(channel.channel);
      const preset = findPreset(bank, channel);
      if (!preset) {
        const available = bank.presets.map((p) => `${p.isDrum ? PERCUSSION_BANK : p.bankMSB}:${p.program} ${p.name}`);
        throw new RangeError(
          `${path.basename(soundFontPath)} has no preset bank ${channel.bank} program ${channel.program}` +
            ` (for channel ${channel.channel}); it has: ${available.join(', ')}`,
        );
      }
      decodeSamples(preset);
      const midiChannel = processor.midiChannels[channel.channel]!;
      if (channel.bank === PERCUSSION_BANK) {
        midiChannel.setDrums(true);
      } else {
        midiChannel.setDrums(false);
        processor.controllerChange(channel.channel, MIDIControllers.bankSelect, channel.bank);
      }
      processor.programChange(channel.channel, channel.program);
    }
    return new SoundFontSynth(processor, gain, seen);
  }

  /** Samples rendered so far: the absolute index of the next sample `render` returns. */
  get cursor(): number {
    return this.position;
  }

  /**
   * Renders the next `frames` samples applying `events`, whose `sample` must lie in
   * [cursor, cursor + frames). Events at the same sample apply in array order.
   */
  render(frames: number, events: readonly NoteEvent[]): Float32Array {
    if (!Number.isInteger(frames) || frames < 0) throw new RangeError(`frames must be a non-negative integer, got ${frames}`);
    const start = this.position;
    const end = start + frames;
    const ordered = this.checkEvents(events, start, end);
    const { left, right } = this.scratch(frames);

    let next = 0;
    for (let at = start; at < end; ) {
      while (next < ordered.length && ordered[next]!.sample === at) this.apply(ordered[next++]!);
      const gridEnd = (Math.floor(at / RENDER_QUANTUM) + 1) * RENDER_QUANTUM;
      const sliceEnd = Math.min(end, gridEnd, next < ordered.length ? ordered[next]!.sample : end);
      this.processor.process(left, right, at - start, sliceEnd - at);
      at = sliceEnd;
    }
    this.position = end;

    const out = new Float32Array(frames);
    const scale = 0.5 * this.gain;
    for (let i = 0; i < frames; i++) out[i] = (left[i]! + right[i]!) * scale;
    return out;
  }

  /** Releases every sounding note now (at the cursor); their release tails still play. */
  allNotesOff(): void {
    this.processor.stopAllChannels(false);
  }

  private apply(event: NoteEvent): void {
    if (event.type === 'on') this.processor.noteOn(event.channel, event.key, event.velocity);
    else this.processor.noteOff(event.channel, event.key);
  }

  /** Validates the events and returns them ordered by sample, keeping array order at equal samples. */
  private checkEvents(events: readonly NoteEvent[], start: number, end: number): readonly NoteEvent[] {
    let sorted = true;
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (!Number.isInteger(e.sample) || e.sample < start || e.sample >= end) {
        throw new SynthEventError(
          `event ${i} at sample ${e.sample} lies outside this block [${start}, ${end}): ` +
            (e.sample < start ? 'it is in the past; drop it or place it at the cursor' : 'pass it with the block that contains it'),
        );
      }
      if (!this.configuredChannels.has(e.channel)) {
        throw new SynthEventError(`event ${i} is on channel ${e.channel}, which load() did not configure`);
      }
      if (e.type !== 'on' && e.type !== 'off') throw new SynthEventError(`event ${i} has type ${String(e.type)}; expected 'on' or 'off'`);
      if (!Number.isInteger(e.key) || e.key < 0 || e.key > 127) throw new SynthEventError(`event ${i} has key ${e.key}; expected 0–127`);
      if (!Number.isInteger(e.velocity) || e.velocity < 0 || e.velocity > 127) {
        throw new SynthEventError(`event ${i} has velocity ${e.velocity}; expected 0–127`);
      }
      if (i > 0 && e.sample < events[i - 1]!.sample) sorted = false;
    }
    // Array.prototype.sort is stable, which keeps same-sample events in array order.
    return sorted ? events : [...events].sort((a, b) => a.sample - b.sample);
  }

  /** spessasynth adds into its outputs: hand it zeroed buffers, reused across calls. */
  private scratch(frames: number): { left: Float32Array; right: Float32Array } {
    if (this.left.length < frames) {
      this.left = new Float32Array(frames);
      this.right = new Float32Array(frames);
    } else {
      this.left.fill(0, 0, frames);
      this.right.fill(0, 0, frames);
    }
    return { left: this.left, right: this.right };
  }
}
