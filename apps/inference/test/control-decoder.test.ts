import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { CONTROL_COND_SIZE, type ControlInstrument, type ControlSpec } from '@bandmate/shared';
import { writeConditioning } from '../src/engine/conditioning.ts';
import { ControlDecoder } from '../src/engine/control-decoder.ts';

/** Written by ml/scripts/decoder_fixture.py from the Python decoder and conditioning (the reference). */
const fixture = JSON.parse(readFileSync(new URL('./fixtures/decoder-cases.json', import.meta.url), 'utf8')) as {
  control: Omit<ControlSpec, 'thresholds'> & { controlSize: number };
  cases: Array<{
    instrument: ControlInstrument;
    thresholds: ControlSpec['thresholds'];
    columns: number[];
    controls: number[][];
    /** cond rows per frame (cases with revoiceFrames): where a moved note may start. */
    cond?: number[][];
    events: Record<string, Array<[number, number, number, number]>>;
  }>;
  conditioning: Array<{ tf: number; bpm: number; beatsPerBar: number; firstBeat: number; gridOn: boolean; rows: number[][] }>;
};

describe('control decoder: the same events as the Python decoder', () => {
  for (const c of fixture.cases) {
    for (const [spf, expected] of Object.entries(c.events)) {
      test(`${c.instrument}, thresholds ${JSON.stringify(c.thresholds)}, ${spf} samples per frame (${expected.length} events)`, () => {
        const decoder = new ControlDecoder(c.instrument, { ...fixture.control, thresholds: c.thresholds }, Number(spf));
        const got: Array<[number, number, number, number]> = [];
        c.controls.forEach((row, f) => {
          const frame = new Float32Array(fixture.control.controlSize);
          c.columns.forEach((col, i) => (frame[col] = row[i]!));
          const cond = c.cond ? Float32Array.from(c.cond[f]!) : undefined;
          for (const e of decoder.step(frame, cond)) got.push([e.sample, e.on ? 1 : 0, e.key, e.velocity]);
        });
        assert.deepEqual(got, expected);
      });
    }
  }
});

describe('conditioning: the rows training computed', () => {
  const roomRate = 48000;
  const frameSamples = 1920; // 40 ms
  for (const g of fixture.conditioning) {
    test(`t_f ${g.tf} s, ${g.gridOn ? `${g.bpm} BPM in ${g.beatsPerBar}, first beat ${g.firstBeat} s` : 'no grid'}`, () => {
      const grid = g.gridOn ? { bpm: g.bpm, beatsPerBar: g.beatsPerBar, firstBeatSample: g.firstBeat * roomRate } : null;
      // Computed in several calls, as the engine steps, to show a row depends only on its frame.
      const got: number[][] = [];
      for (let f = 0; f < g.rows.length; f += 7) {
        const n = Math.min(7, g.rows.length - f);
        const out = writeConditioning(new Float32Array(n * CONTROL_COND_SIZE), f, n, g.tf, grid, frameSamples, roomRate);
        for (let i = 0; i < n; i++) got.push([...out.subarray(i * CONTROL_COND_SIZE, (i + 1) * CONTROL_COND_SIZE)]);
      }
      g.rows.forEach((want, f) => {
        want.forEach((w, j) => {
          const v = got[f]![j]!;
          // Phases wrap: 0.9999999 and 0 are the same beat.
          const diff = j === 2 || j === 6 ? Math.min(Math.abs(v - w), 1 - Math.abs(v - w)) : Math.abs(v - w);
          if (diff > 2e-6) assert.fail(`frame ${f}, cond[${j}]: ${v} ≠ ${w}`);
        });
      });
    });
  }
});
