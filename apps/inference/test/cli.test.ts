import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { encodeWav, readWav } from '@bandmate/media/wav';
import { soundFontAvailable, writeControlFixtureModel } from './fixtures/build-control-fixture.ts';
import { writeFixtureModel } from './fixtures/build-fixture-models.ts';

const bin = fileURLToPath(new URL('../bin/bandmate.mjs', import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-cli-'));
const model = writeFixtureModel('identity', path.join(dir, 'identity'));
after(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]) {
  return spawnSync(process.execPath, [bin, 'accompany', ...args], { encoding: 'utf8' });
}

function noiseWav(file: string, rate: number, seconds: number, seed: number, changeAfter?: number) {
  let s = seed;
  const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const n = Math.round(rate * seconds);
  const left = Float32Array.from({ length: n }, () => 0.5 * rnd());
  const right = Float32Array.from({ length: n }, () => 0.5 * rnd());
  if (changeAfter !== undefined) for (let i = Math.round(changeAfter * rate); i < n; i++) left[i] = right[i] = 0.9;
  writeFileSync(file, encodeWav({ sampleRate: rate, channels: [left, right] }));
  return file;
}

test('a 44.1 kHz stereo WAV becomes a 48 kHz WAV of the same length', () => {
  const input = noiseWav(path.join(dir, 'in.wav'), 44100, 1.5, 3);
  const output = path.join(dir, 'out.wav');
  const r = cli('--input', input, '--output', output, '--model', model, '--tf', '-0.1', '--k', '0.02', '--seed', '5');
  assert.equal(r.status, 0, r.stderr);
  const out = readWav(output);
  assert.equal(out.sampleRate, 48000);
  assert.equal(out.channels[0]!.length, 72000);
  assert.match(r.stderr, /wrote out\.wav: 1\.50 s, mirror, t_f -0\.1 s, k 0\.02 s, seed 5/);
});

test('output before T + |t_f| does not depend on input after T (and after it, it does)', () => {
  const T = 1.0;
  const tf = -0.1;
  const k = 0.01;
  const a = noiseWav(path.join(dir, 'a.wav'), 44100, 2, 9);
  const b = noiseWav(path.join(dir, 'b.wav'), 44100, 2, 9, T);
  for (const [input, output] of [
    [a, path.join(dir, 'a-out.wav')],
    [b, path.join(dir, 'b-out.wav')],
  ]) {
    const r = cli('--input', input!, '--output', output!, '--model', model, '--tf', String(tf), '--k', String(k));
    assert.equal(r.status, 0, r.stderr);
  }
  const outA = readWav(path.join(dir, 'a-out.wav')).channels[0]!;
  const outB = readWav(path.join(dir, 'b-out.wav')).channels[0]!;
  const boundary = Math.round((T - tf) * 48000);
  for (let i = 0; i < boundary; i++) if (outA[i] !== outB[i]) assert.fail(`sample ${i} (${(i / 48000).toFixed(4)} s) changed`);
  // With the identity model the change arrives k − t_f after T: the test can see it.
  const arrival = Math.round((T + k - tf + 0.002) * 48000);
  assert.notEqual(outA[arrival], outB[arrival]);
});

test('clear errors for a missing file, an unreadable WAV and an invalid setting', () => {
  const missing = cli('--input', path.join(dir, 'nope.wav'), '--output', path.join(dir, 'x.wav'), '--model', model);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /input file not found/);

  const garbage = path.join(dir, 'garbage.wav');
  writeFileSync(garbage, 'definitely not audio');
  const bad = cli('--input', garbage, '--output', path.join(dir, 'x.wav'), '--model', model);
  assert.match(bad.stderr, /not a WAV file/);

  const input = noiseWav(path.join(dir, 'short.wav'), 48000, 0.2, 1);
  const setting = cli('--input', input, '--output', path.join(dir, 'x.wav'), '--model', model, '--k', '0.015');
  assert.equal(setting.status, 1);
  assert.match(setting.stderr, /not a multiple of the model's latent frame/);

  const usage = cli('--output', path.join(dir, 'x.wav'));
  assert.match(usage.stderr, /--input and --output are required/);
});

test('a control model (format 2): drums on a 120 BPM grid, at a normal level', { skip: soundFontAvailable() ? false : 'no SoundFont at models/default/instruments.sf3' }, () => {
  const control = writeControlFixtureModel(path.join(dir, 'control'))!;
  const input = noiseWav(path.join(dir, 'c-in.wav'), 44100, 3, 4);
  const output = path.join(dir, 'c-out.wav');
  const r = cli('--input', input, '--output', output, '--model', control, '--instrument', 'drums', '--tf', '-0.12', '--bpm', '120', '--first-beat', '0.25');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /wrote c-out\.wav: 3\.00 s, drums, t_f -0\.12 s, k 0\.04 s, seed 0, 120 BPM in 4, model fixture-control/);
  const out = readWav(output);
  assert.equal(out.channels[0]!.length, 3 * 48000);
  const x = out.channels[0]!;
  const rms = Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
  const peak = x.reduce((p, v) => Math.max(p, Math.abs(v)), 0);
  assert.ok(20 * Math.log10(rms) > -40 && peak < 1, `level ${(20 * Math.log10(rms)).toFixed(1)} dBFS RMS, peak ${peak}`);
  // The first hit comes on the first beat, 0.25 s in.
  const first = x.findIndex((v) => v !== 0);
  assert.ok(Math.abs(first - 0.25 * 48000) <= 96, `first sound at ${first / 48000} s`);

  const bad = cli('--input', input, '--output', output, '--model', control, '--bpm', '0');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /beat grid: bpm must be in \(0, 1000\]/);
});
