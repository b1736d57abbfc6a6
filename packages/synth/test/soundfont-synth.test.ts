import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PATTERN_CHANNELS, pattern, renderInBlocks } from '../bench/patterns.ts';
import {
  DEFAULT_SOUNDFONT_PATH,
  SHIPPED_PRESETS,
  SoundFontSynth,
  SynthEventError,
  type ChannelProgram,
  type NoteEvent,
} from '../src/soundfont-synth.ts';
import { dominantFrequency, energyShare, powerSpectrum, rmsDb, strongestPitchClass } from './signal.ts';

const RATES = [24000, 48000];
const PIANO: ChannelProgram = { channel: 0, bank: 0, program: 0 };
const BASS: ChannelProgram = { channel: 1, bank: 0, program: 33 };
const DRUMS: ChannelProgram = { channel: 9, bank: 128, program: 0 };

function load(sampleRate: number, channels: ChannelProgram[] = [PIANO, BASS, DRUMS]) {
  return SoundFontSynth.load(DEFAULT_SOUNDFONT_PATH, { sampleRate, channels });
}

const on = (sample: number, channel: number, key: number, velocity = 100): NoteEvent => ({ sample, type: 'on', channel, key, velocity });
const off = (sample: number, channel: number, key: number): NoteEvent => ({ sample, type: 'off', channel, key, velocity: 0 });

/** One second from a single note-on at the cursor. */
async function singleNote(sampleRate: number, channel: ChannelProgram, key: number, velocity = 100): Promise<Float32Array> {
  const synth = await load(sampleRate, [channel]);
  return synth.render(sampleRate, [on(0, channel.channel, key, velocity)]);
}

for (const sampleRate of RATES) {
  describe(`SoundFontSynth at ${sampleRate} Hz`, () => {
    it('plays piano A4 (key 69) at 440 Hz ±2 %', async () => {
      const audio = await singleNote(sampleRate, PIANO, 69);
      const fftSize = 32768;
      const hz = dominantFrequency(powerSpectrum(audio, Math.round(0.05 * sampleRate), Math.round(0.5 * sampleRate), fftSize), sampleRate, fftSize);
      assert.ok(Math.abs(hz - 440) / 440 < 0.02, `dominant frequency ${hz.toFixed(1)} Hz`);
    });

    it('plays bass E2 (key 40) as the pitch class E', async () => {
      const audio = await singleNote(sampleRate, BASS, 40);
      const fftSize = 32768;
      const power = powerSpectrum(audio, Math.round(0.05 * sampleRate), Math.round(0.5 * sampleRate), fftSize);
      assert.equal(strongestPitchClass(power, sampleRate, fftSize), 4);
      const hz = dominantFrequency(power, sampleRate, fftSize);
      const semitonesFromE = 12 * Math.log2(hz / 82.41);
      assert.ok(Math.abs(semitonesFromE - Math.round(semitonesFromE / 12) * 12) < 0.35, `strongest partial ${hz.toFixed(1)} Hz is not an E`);
    });

    it('puts a kick (36) mostly below 200 Hz', async () => {
      const audio = await singleNote(sampleRate, DRUMS, 36);
      const fftSize = 16384;
      const share = energyShare(powerSpectrum(audio, 0, Math.round(0.3 * sampleRate), fftSize), sampleRate, fftSize, 0, 200);
      assert.ok(share > 0.5, `share below 200 Hz ${share.toFixed(2)}`);
    });

    it('puts a closed hi-hat (42) mostly above 5 kHz', async () => {
      const audio = await singleNote(sampleRate, DRUMS, 42);
      const fftSize = 16384;
      const share = energyShare(powerSpectrum(audio, 0, Math.round(0.2 * sampleRate), fftSize), sampleRate, fftSize, 5000, sampleRate);
      assert.ok(share > 0.5, `share above 5 kHz ${share.toFixed(2)}`);
    });

    it('starts a note on its exact sample', async () => {
      const synth = await load(sampleRate);
      const audio = synth.render(4096, [on(1234, 0, 60)]);
      assert.ok(audio.subarray(0, 1234).every((x) => x === 0), 'sound before the note-on');
      assert.ok(audio.subarray(1234, 1334).some((x) => Math.abs(x) > 1e-4), 'silent for 100 samples after the note-on');
    });

    it('gives bit-identical output from two fresh synths fed the same events', async () => {
      const total = 3 * sampleRate;
      const events = [...pattern('drums', sampleRate, 3), ...pattern('bass', sampleRate, 3), ...pattern('piano', sampleRate, 3)]
        .sort((a, b) => a.sample - b.sample);
      const channels = Object.values(PATTERN_CHANNELS);
      const a = renderInBlocks(await load(sampleRate, channels), events, total, 960);
      const b = renderInBlocks(await load(sampleRate, channels), events, total, 960);
      assert.ok(rmsDb(a) > -40, 'the groove is silent');
      assert.deepEqual(a, b);
    });

    it('gives bit-identical output whether rendered in blocks of 128, 960 or 4096 samples', async () => {
      const total = 3 * sampleRate;
      const events = [...pattern('drums', sampleRate, 3), ...pattern('bass', sampleRate, 3), ...pattern('piano', sampleRate, 3)]
        .sort((a, b) => a.sample - b.sample);
      assert.ok(events.some((e) => e.sample % 16 !== 0), 'the pattern should place events off the render quantum');
      const channels = Object.values(PATTERN_CHANNELS);
      const [a, b, c] = await Promise.all(
        [128, 960, 4096].map(async (block) => renderInBlocks(await load(sampleRate, channels), events, total, block)),
      );
      assert.deepEqual(b, a);
      assert.deepEqual(c, a);
    });

    it('plays velocity 110 more than 6 dB louder than velocity 30', async () => {
      const soft = rmsDb(await singleNote(sampleRate, PIANO, 60, 30), 0, sampleRate / 2);
      const loud = rmsDb(await singleNote(sampleRate, PIANO, 60, 110), 0, sampleRate / 2);
      assert.ok(loud - soft > 6, `velocity 30: ${soft.toFixed(1)} dB, 110: ${loud.toFixed(1)} dB`);
    });

    it('ends a piano note after its note-off: down more than 30 dB within 1 s', async () => {
      const synth = await load(sampleRate, [PIANO]);
      const held = synth.render(sampleRate / 2, [on(0, 0, 60)]);
      const after = synth.render(sampleRate, [off(sampleRate / 2, 0, 60)]);
      const window = sampleRate / 20;
      const before = rmsDb(held, held.length - window);
      const end = rmsDb(after, after.length - window);
      assert.ok(before - end > 30, `before the note-off ${before.toFixed(1)} dB, 1 s after ${end.toFixed(1)} dB`);
    });

    it('plays a velocity-100 piano or bass note at about −20 dBFS RMS over its first second', async () => {
      for (const [channel, key] of [[PIANO, 69], [PIANO, 60], [BASS, 40]] as const) {
        const level = rmsDb(await singleNote(sampleRate, channel, key));
        assert.ok(level > -26 && level < -14, `program ${channel.program} key ${key}: ${level.toFixed(1)} dBFS`);
      }
    });
  });
}

describe('SoundFontSynth contract', () => {
  it('loads every shipped preset', async () => {
    for (const preset of SHIPPED_PRESETS) {
      const channel = preset.bank === 128 ? 9 : 0;
      const synth = await load(24000, [{ channel, bank: preset.bank, program: preset.program }]);
      const key = preset.bank === 128 ? 38 : 52;
      assert.ok(rmsDb(synth.render(12000, [on(0, channel, key)])) > -45, `${preset.name} is silent`);
    }
  });

  it('applies events at one sample in array order and accepts them unordered across samples', async () => {
    // Off then on leaves the note sounding; on then off leaves at most its release tail.
    const late = async (events: NoteEvent[]) => {
      const synth = await load(24000);
      synth.render(24000, events);
      return rmsDb(synth.render(2400, []));
    };
    const held = await late([off(100, 0, 60), on(100, 0, 60)]);
    const released = await late([on(100, 0, 60), off(100, 0, 60)]);
    assert.ok(held - released > 20, `1 s after off+on ${held.toFixed(1)} dB, after on+off ${released.toFixed(1)} dB`);
    const ordered = (await load(24000)).render(2400, [on(10, 0, 60), on(500, 0, 64)]);
    const unordered = (await load(24000)).render(2400, [on(500, 0, 64), on(10, 0, 60)]);
    assert.deepEqual(unordered, ordered);
  });

  it('advances the cursor and rejects events outside the block', async () => {
    const synth = await load(24000);
    synth.render(480, []);
    assert.equal(synth.cursor, 480);
    assert.throws(() => synth.render(480, [on(479, 0, 60)]), SynthEventError);
    assert.throws(() => synth.render(480, [on(960, 0, 60)]), SynthEventError);
    assert.throws(() => synth.render(480, [on(500, 5, 60)]), /did not configure/);
    assert.equal(synth.cursor, 480, 'a rejected block must not advance the cursor');
  });

  it('releases every note on allNotesOff', async () => {
    const synth = await load(24000);
    synth.render(12000, [on(0, 0, 60), on(0, 0, 64), on(0, 1, 40)]);
    const before = rmsDb(synth.render(1200, []));
    synth.allNotesOff();
    synth.render(24000, []);
    const after = rmsDb(synth.render(1200, []));
    assert.ok(before - after > 30, `before ${before.toFixed(1)} dB, 1 s after ${after.toFixed(1)} dB`);
  });

  it('names a missing preset and what the font holds', async () => {
    await assert.rejects(
      SoundFontSynth.load(DEFAULT_SOUNDFONT_PATH, { sampleRate: 24000, channels: [{ channel: 0, bank: 0, program: 40 }] }),
      /no preset bank 0 program 40 .*Yamaha Grand Piano/,
    );
  });
});
