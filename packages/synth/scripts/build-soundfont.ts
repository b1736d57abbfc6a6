// Rebuilds models/default/instruments.sf3: the presets the AI band member plays, cut out of
// FluidR3_GM (MIT) and compressed to SF3 (Ogg Vorbis) so the repository can carry it.
//
// Needs, on the machine that rebuilds it only: Debian's fluid-soundfont-gm (the source font)
// and vorbis-tools (oggenc). Nothing at install, run or test time needs either.
//
//   node --import tsx packages/synth/scripts/build-soundfont.ts [source.sf2] [--quality Q]
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BasicSoundBank, SoundBankLoader, SpessaLog, type BasicPreset } from 'spessasynth_core';
import { SHIPPED_PRESETS } from '../src/shipped-presets.ts';

// Where Debian's fluid-soundfont-gm installs the font.
const DEBIAN_FLUID_R3 = '/usr/share/sounds/sf2/FluidR3_GM.sf2';
const OUTPUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../models/default/instruments.sf3');
// oggenc -q 6 (~190 kbit/s for stereo music): hi-hat and cymbal tops survive; the file stays
// under the 12 MB the repository allows for it.
const DEFAULT_QUALITY = 6;
// A fixed creation date and Ogg serial number make a rebuild from the same inputs byte-identical.
const CREATION_DATE = new Date('2008-02-24T00:00:00Z');

const args = process.argv.slice(2);
const qualityFlag = args.indexOf('--quality');
const quality = qualityFlag >= 0 ? Number(args.splice(qualityFlag, 2)[1]) : DEFAULT_QUALITY;
const source = args[0] ?? DEBIAN_FLUID_R3;

SpessaLog.infoEnabled = false;

function encodeVorbis(audio: Float32Array, sampleRate: number): Promise<Uint8Array> {
  const pcm = Buffer.alloc(audio.length * 2);
  for (let i = 0; i < audio.length; i++) {
    pcm.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round((audio[i] ?? 0) * 32768))), i * 2);
  }
  const ogg = execFileSync(
    'oggenc',
    ['--quiet', '--raw', '--raw-bits=16', '--raw-chan=1', `--raw-rate=${sampleRate}`, '--raw-endianness=0',
      `--quality=${quality}`, '--serial=1', '--output=-', '-'],
    { input: pcm, maxBuffer: 1 << 30 },
  );
  return Promise.resolve(new Uint8Array(ogg));
}

function findPreset(bank: BasicSoundBank, wanted: { bank: number; program: number; name: string }): BasicPreset {
  const drums = wanted.bank === 128;
  const preset = bank.presets.find(
    (p) => p.program === wanted.program && p.isDrum === drums && (drums || (p.bankMSB === wanted.bank && p.bankLSB === 0)),
  );
  if (!preset) throw new Error(`${source} has no preset ${wanted.bank}:${wanted.program} (${wanted.name}); is it FluidR3_GM?`);
  return preset;
}

try {
  execFileSync('oggenc', ['--version'], { stdio: 'ignore' });
} catch {
  throw new Error('oggenc not found: install vorbis-tools (apt-get install vorbis-tools)');
}
const full = SoundBankLoader.fromArrayBuffer(readFileSync(source).buffer as ArrayBuffer);
const subset = new BasicSoundBank();
const presets = SHIPPED_PRESETS.map((p) => findPreset(full, p));
subset.addCompletePresets(presets);
subset.soundBankInfo = {
  ...full.soundBankInfo,
  name: 'Bandmate instruments (FluidR3_GM subset)',
  creationDate: CREATION_DATE,
  copyright: 'Copyright (c) 2000-2002, 2008 Frank Wen. MIT licence: see packages/synth/SOUNDFONT.md',
  comment:
    'A subset of FluidR3_GM (fluid-soundfont-gm 3.1) by Frank Wen, released under the MIT licence. ' +
    `Presets: ${SHIPPED_PRESETS.map((p) => `${p.bank}:${p.program}`).join(', ')}. ` +
    'Built by packages/synth/scripts/build-soundfont.ts of Bandmate.',
};
console.log(`${subset.presets.length} presets, ${subset.instruments.length} instruments, ${subset.samples.length} samples; encoding at q${quality}`);
await subset.setSampleFormat({ format: 'compressed', compressionFunction: encodeVorbis });
const uncompressed = subset.samples.filter((s) => !s.isCompressed).map((s) => s.name);
if (uncompressed.length > 0) throw new Error(`samples left uncompressed: ${uncompressed.join(', ')}`);
writeFileSync(OUTPUT, new Uint8Array(subset.writeSF2({ software: 'Bandmate build-soundfont', writeDefaultModulators: true })));
console.log(`${path.relative(process.cwd(), OUTPUT)}: ${(statSync(OUTPUT).size / 1e6).toFixed(2)} MB`);
for (const p of presets) console.log(`  ${p.isDrum ? 128 : p.bankMSB}:${p.program} ${p.name}`);
