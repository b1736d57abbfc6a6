import path from 'node:path';
import type { Page } from '@playwright/test';
import { FALLBACK_AFTER_FRAMES } from '../../apps/web/media/playout/fallback.ts';
import { DEMO_LOOP, synthesiseLoop } from '../../apps/sfu/src/demo/loop-synth.ts';
import { gridPhase, loopStart, onsetTimes, wrapS } from '../support/beat-grid.ts';
import { chordToneShare, PITCH_CLASS_NAMES, pitchClassEnergy, triadPitchClasses } from '../support/chroma.ts';
import { ARTIFACTS, expect, test } from '../support/fixtures.ts';
import { contextFrame, readPcm, tapAllPeers, type Pcm } from '../support/pcm-tap.ts';
import { peerId } from '../support/room.ts';
import { firstLoudS, lastLoudS, rmsDb, soundChangeS } from '../support/signal-levels.ts';
import { writeMonoWav, writeToneWav } from '../support/wav.ts';

/**
 * The demo room with the shipped model (scripts/e2e.mjs runs e2e/shipped with it, at its trained
 * t_f): at a listener, the AI drummer's and bassist's onsets sit on the loop's beat grid, the bass
 * plays the loop's chords, both are at the band's level, and the host's changes to the AI players
 * are heard within 2 s. Every figure goes to the log and the test's annotations (for the README).
 */

/** Median distance of onsets from the eighth-note grid, at the phase they fit best (the target). */
export const GRID_MAD_MAX_MS = 20;
/** Onsets in the recording, per part: a rhythm section plays at least every other beat. */
export const MIN_ONSETS = 8;
/**
 * The bass's energy on the sounding chord's tones (3 of 12 pitch classes: 0.25 at random). The
 * shipped model measured 0.91 overall and 0.82–0.97 per chord here; a bass that holds one note
 * through the loop scores about 0.5 (two chords of four contain it).
 */
export const CHORD_TONE_SHARE_MIN = 0.5;
/** Of the loop's four chords, the bass at CHORD_TONE_SHARE_MIN or more in this many. */
export const CHORDS_FOLLOWED_MIN = 3;
/** Each AI part within this of the demo band's level. */
export const LEVEL_WITHIN_DB = 12;
/** From the host's click to the listener hearing the change. */
export const CONTROL_LATENCY_MAX_S = 2;
/** A part is heard at this level (10 ms windows). */
const AUDIBLE_DB = -40;
/** Every bar of the loop (9.6 s) sounds for at least MIN_BAR_S of it, wherever the recording starts. */
const RECORD_S = 10.5;
const MIN_BAR_S = 1.2;
/**
 * The AI's phase against the band's at this listener: only loosely bound, since the two streams
 * take different paths (the worker's schedule, each stream's jitter buffer).
 */
const PHASE_TO_BAND_MAX_MS = 75;
/** Bar lines of the band and the AI may be this far apart at the listener: left out of the chords. */
const BAR_GUARD_S = 0.15;

const beatS = 60 / DEMO_LOOP.bpm;
const eighthS = beatS / 2;
const barS = 4 * beatS;
const ms = (s: number) => (s * 1000).toFixed(1);

test('demo room: the AI drummer and bassist play on the loop’s grid and in its chords; the host adds, changes and removes AI players', async ({ launch }, testInfo) => {
  test.setTimeout(150_000);
  const figures: Record<string, unknown> = {};
  const note = (line: string) => {
    console.log(line);
    testInfo.annotations.push({ type: 'figure', description: line });
  };

  // The visitor plays along (the host is a musician) but sends silence: the AI hears only the band.
  const silence = writeToneWav(path.join(ARTIFACTS, 'silence.wav'), { left: 1, right: 1, amplitude: 0 });
  const { page } = await launch({ wav: silence });
  await page.goto('/');
  await page.getByRole('button', { name: 'Demo room' }).click();
  await expect(page).toHaveURL(/\/room\/[A-Za-z0-9]+$/);
  await page.getByLabel('Display name').fill('Visitor');
  await page.getByLabel('Play (send my instrument)').check();
  await page.getByRole('button', { name: 'Join' }).click();
  await expect(page.getByTestId('room')).toHaveAttribute('data-phase', 'joined');
  await tapAllPeers(page);

  const band = await peerId(page, 'Demo band');
  for (const instrument of ['drums', 'bass']) {
    const row = page.locator(`[data-testid="ai-player"][data-instrument="${instrument}"]`);
    // Its row says why, if it is not playing.
    await expect(row.getByTestId('ai-state'), `the demo's AI ${instrument}`)
      .toHaveAttribute('data-state', 'playing', { timeout: 30_000 })
      .catch(async (err: Error) => {
        throw new Error(`${err.message}\nthe player's row: ${await row.innerText()}`);
      });
  }
  const parts = { drums: await peerId(page, 'AI · drums'), bass: await peerId(page, 'AI · bass') };

  // ── What the listener hears: RECORD_S of the band and each AI part, on one sample clock ──
  // From when each stream's jitter buffer in the browser has settled: a new stream's NetEQ starts
  // deep and drains by playing faster, which moves a part against the others for a few seconds on
  // this loaded machine (a figure of its own, logged); the parts' own timing is judged after it.
  const settledS = await jitterBuffersSettled(page, [band, parts.drums, parts.bass]);
  note(`listener: the three streams' jitter buffers settled ${settledS.toFixed(1)} s after the AI players played`);
  figures.jitterSettledS = settledS;
  const buffers = async () => {
    const lines: string[] = [];
    for (const [name, id] of [['band', band], ['drums', parts.drums], ['bass', parts.bass]] as const) {
      const s = await page.evaluate((peer) => window.__bandmate!.playoutStats(peer), id);
      lines.push(s ? `${name} ${s.delayMs}/${s.targetMs} (own ${s.ownTargetMs}; cut ${s.acceleratedMs}, stretched ${s.stretchedMs})` : `${name} on the browser's path`);
    }
    return lines.join(', ');
  };
  note(`listener's buffers at the start, delay/depth ms: ${await buffers()}`);
  const from = await contextFrame(page);
  await page.waitForTimeout(RECORD_S * 1000 + 300);
  note(`listener's buffers at the end, delay/depth ms: ${await buffers()}`);
  const rate = (await readPcm(page, band, from, from + 1)).sampleRate;
  const to = from + Math.round(RECORD_S * rate);
  const heard = async (id: string, name: string) => {
    const pcm = await readPcm(page, id, from, to);
    expect(pcm.samples.length, `${name}: recorded from the start of the window`).toBe(to - from);
    return pcm;
  };
  const bandPcm = await heard(band, 'Demo band');
  const drumsPcm = await heard(parts.drums, 'AI · drums');
  const bassPcm = await heard(parts.bass, 'AI · bass');
  for (const [name, pcm] of [['band', bandPcm], ['drums', drumsPcm], ['bass', bassPcm]] as const) writeMonoWav(testInfo.outputPath(`${name}.wav`), pcm.samples, rate);

  // The loop's position at the listener: its bars and beats, from the band's received track.
  const loop = synthesiseLoop(DEMO_LOOP);
  const loopMono = Float32Array.from({ length: loop.frames }, (_, i) => (loop.samples[2 * i]! + loop.samples[2 * i + 1]!) / 2);
  const aligned = loopStart(bandPcm.samples, loopMono, rate);
  note(`demo band: loop starts ${ms(aligned.startS)} ms into the recording (onset-envelope correlation ${aligned.score.toFixed(2)})`);
  expect(aligned.score, 'the band track is the demo loop').toBeGreaterThan(0.3);

  // ── Onsets on the beat grid ──
  const bandPhase = gridPhase(onsetTimes(bandPcm.samples, rate), eighthS);
  note(
    `demo band: ${bandPhase.count} onsets, phase MAD ${ms(bandPhase.madS)} ms on the eighth grid, ` +
      `phase ${ms(wrapS(bandPhase.phaseS - aligned.startS, eighthS))} ms from the loop's grid`,
  );
  for (const [name, pcm] of [['drums', drumsPcm], ['bass', bassPcm]] as const) {
    const phase = gridPhase(onsetTimes(pcm.samples, rate), eighthS);
    const toBand = wrapS(phase.phaseS - bandPhase.phaseS, eighthS);
    const levelDb = rmsDb(pcm.samples) - rmsDb(bandPcm.samples);
    figures[name] = { onsets: phase.count, phaseMadMs: phase.madS * 1000, phaseToBandMs: toBand * 1000, levelToBandDb: levelDb };
    note(
      `AI ${name}: ${phase.count} onsets in ${RECORD_S} s, phase MAD ${ms(phase.madS)} ms on the eighth grid (≤ ${GRID_MAD_MAX_MS}), ` +
        `${ms(toBand)} ms from the band's phase; level ${rmsDb(pcm.samples).toFixed(1)} dBFS, ${levelDb.toFixed(1)} dB to the band's`,
    );
    expect.soft(phase.count, `AI ${name}: onsets`).toBeGreaterThanOrEqual(MIN_ONSETS);
    if (phase.count >= MIN_ONSETS) {
      expect.soft(phase.madS * 1000, `AI ${name}: phase MAD on the grid (ms)`).toBeLessThanOrEqual(GRID_MAD_MAX_MS);
      expect.soft(Math.abs(toBand) * 1000, `AI ${name}: phase against the band's (ms)`).toBeLessThanOrEqual(PHASE_TO_BAND_MAX_MS);
    }
    expect.soft(Math.abs(levelDb), `AI ${name}: level against the band's (dB)`).toBeLessThanOrEqual(LEVEL_WITHIN_DB);
  }

  // ── The bass in the loop's chords, bar by bar ──
  const share = chordShares(bassPcm, aligned.startS);
  const followed = share.perChord.filter((x) => x >= CHORD_TONE_SHARE_MIN).length;
  figures.bassChordToneShare = { overall: share.overall, perChord: share.perChord };
  note(
    `AI bass: chord-tone share ${share.overall.toFixed(2)} (≥ ${CHORD_TONE_SHARE_MIN}; 0.25 at random), ` +
      `${followed} of ${share.perChord.length} chords at ≥ ${CHORD_TONE_SHARE_MIN} (≥ ${CHORDS_FOLLOWED_MIN}): ${share.lines.join('; ')}`,
  );
  expect(share.perChord.length, 'every chord of the loop recorded').toBe(DEMO_LOOP.bars.length);
  expect.soft(share.overall, 'AI bass: share of its energy on the sounding chord’s tones').toBeGreaterThanOrEqual(CHORD_TONE_SHARE_MIN);
  // A fixed note scores on the chords it belongs to: following the changes means most of them.
  expect.soft(followed, `AI bass: chords of the loop with a chord-tone share ≥ ${CHORD_TONE_SHARE_MIN}`).toBeGreaterThanOrEqual(CHORDS_FOLLOWED_MIN);

  // ── The host's controls, timed from the click to what the listener hears ──
  const instruments = await page.getByLabel("New AI player's instrument").locator('option').allTextContents();
  const other = instruments.includes('keys') ? 'keys' : instruments.find((i) => !['drums', 'bass'].includes(i));
  expect(other, `a third instrument among ${instruments.join(', ')}`).toBeDefined();
  const latencies: Record<string, number> = {};

  // Added: its track is received and sounds.
  await page.getByLabel("New AI player's instrument").selectOption(other!);
  const addAt = await contextFrame(page);
  await page.getByRole('button', { name: 'Add AI player' }).click();
  const added = await peerId(page, `AI · ${other}`);
  latencies.add = await untilHeard(page, added, addAt);

  // Removed: its sound stops.
  const removeAt = await contextFrame(page);
  await page.getByRole('button', { name: `Remove AI ${other}` }).click();
  await expect(page.getByTestId('presence')).not.toContainText(`AI · ${other}`);
  await page.waitForTimeout(3000);
  const tail = await readPcm(page, added, removeAt - rate / 2);
  const lastHeard = lastLoudS(tail.samples, rate, AUDIBLE_DB);
  latencies.remove = lastHeard === null ? 0 : Math.max(0, (tail.startFrame - removeAt) / rate + lastHeard);
  expect.soft(tail.samples.length / rate, 'recorded past the removal').toBeGreaterThan(2.5);

  // Changed: the bassist becomes the other instrument on the same track; its sound moves.
  const changeAt = await contextFrame(page);
  await page.getByLabel('Instrument of AI bass').selectOption(other!);
  await expect(page.locator(`[data-testid="ai-player"][data-peer="${parts.bass}"]`)).toHaveAttribute('data-instrument', other!);
  await page.waitForTimeout(4000);
  const around = await readPcm(page, parts.bass, changeAt - 3 * rate, changeAt + 4 * rate);
  const clickS = (changeAt - around.startFrame) / rate;
  const change = soundChangeS(around.samples, rate, { fromS: clickS, settledS: clickS + 2.5 });
  note(`bass → ${other}: share of energy below 200 Hz ${change.before.toFixed(2)} before, ${change.after.toFixed(2)} after`);
  latencies.change = change.atS === null ? Number.POSITIVE_INFINITY : change.atS - clickS;

  figures.controlLatencyS = latencies;
  note(`host controls, click to heard at the listener: add ${latencies.add.toFixed(2)} s, remove ${latencies.remove.toFixed(2)} s, change ${latencies.change.toFixed(2)} s (≤ ${CONTROL_LATENCY_MAX_S})`);
  for (const [what, s] of Object.entries(latencies)) expect.soft(s, `${what}: click to heard (s)`).toBeLessThanOrEqual(CONTROL_LATENCY_MAX_S);
  await testInfo.attach('figures.json', { body: JSON.stringify(figures, null, 2), contentType: 'application/json' });
});

/**
 * The bass's chord-tone share per chord of the loop, over the stretches of its bars the recording
 * holds at least MIN_BAR_S of (bar lines from the band's loop start), and over all of them
 * (energy-weighted), with a line per chord.
 */
function chordShares(pcm: Pcm, loopStartS: number): { overall: number; perChord: number[]; lines: string[] } {
  const rate = pcm.sampleRate;
  const lengthS = pcm.samples.length / rate;
  const chords = DEMO_LOOP.bars.map((bar) => ({ name: `${PITCH_CLASS_NAMES[bar.root % 12]}${bar.minor ? 'm' : ''}`, tones: triadPitchClasses(bar.root, bar.minor), chroma: new Float64Array(12), spans: [] as string[] }));
  for (let n = -chords.length; n * barS + loopStartS < lengthS; n++) {
    const a = Math.max(0, loopStartS + n * barS + BAR_GUARD_S);
    const b = Math.min(lengthS, loopStartS + (n + 1) * barS - BAR_GUARD_S);
    if (b - a < MIN_BAR_S) continue;
    const chord = chords[((n % chords.length) + chords.length) % chords.length]!;
    pitchClassEnergy(pcm.samples, rate, a, b).forEach((e, pc) => (chord.chroma[pc]! += e));
    chord.spans.push(`${a.toFixed(1)}–${b.toFixed(1)} s`);
  }
  let on = 0;
  let all = 0;
  const perChord: number[] = [];
  const lines: string[] = [];
  for (const chord of chords) {
    const total = chord.chroma.reduce((x, y) => x + y, 0);
    const share = chordToneShare(chord.chroma, chord.tones);
    on += share * total;
    all += total;
    if (!chord.spans.length) continue;
    perChord.push(share);
    const strongest = [...chord.chroma.keys()].sort((x, y) => chord.chroma[y]! - chord.chroma[x]!).slice(0, 3);
    lines.push(`${chord.name} ${share.toFixed(2)} (${chord.spans.join(', ')}; strongest ${strongest.map((pc) => PITCH_CLASS_NAMES[pc]).join(' ')})`);
  }
  return { overall: all > 0 ? on / all : 0, perChord, lines };
}

/** Seconds from `sinceFrame` until the peer's received track is heard (polled for up to 10 s). */
async function untilHeard(page: Page, id: string, sinceFrame: number): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const pcm = await readPcm(page, id);
    const at = firstLoudS(pcm.samples, pcm.sampleRate, AUDIBLE_DB);
    if (at !== null) return (pcm.startFrame - sinceFrame) / pcm.sampleRate + at;
    if (Date.now() > deadline) return Number.POSITIVE_INFINITY;
    await page.waitForTimeout(250);
  }
}

/**
 * Seconds until the jitter-buffer delay of every stream has stayed within SETTLED_MS for a second,
 * at least 1 s (past the parts' first notes) and at most SETTLE_MAX_S: on the browser's path the
 * mean over each 500 ms from its inbound-rtp stats; on ours, the buffer's delay (the room's depth
 * starts deep with the AI players' first frames, and comes down a few seconds later), once each
 * stream has played long enough for ours to have given way on a machine too busy for it.
 */
async function jitterBuffersSettled(page: Page, peerIds: string[]): Promise<number> {
  const SETTLED_MS = 10;
  const SETTLE_MAX_S = 25;
  const started = Date.now();
  const read = () =>
    page.evaluate(
      (ids) =>
        Promise.all(
          ids.map(async (id) => {
            const ours = window.__bandmate!.playoutStats(id);
            const r = await window.__bandmate!.inboundRtp(id);
            return { ours: ours ? ours.delayMs : null, received: ours?.received ?? 0, delay: Number(r.inbound?.jitterBufferDelay ?? 0), emitted: Number(r.inbound?.jitterBufferEmittedCount ?? 0) };
          }),
        ),
      peerIds,
    );
  let last = await read();
  const means: number[][] = [];
  for (;;) {
    await page.waitForTimeout(500);
    const now = await read();
    // A stream that moved to the browser's path starts its steadiness again.
    if (now.some((n, i) => (n.ours === null) !== (last[i]!.ours === null))) means.length = 0;
    means.push(now.map((n, i) => (n.ours !== null ? n.ours : ((n.delay - last[i]!.delay) / Math.max(1, n.emitted - last[i]!.emitted)) * 1000)));
    last = now;
    const elapsedS = (Date.now() - started) / 1000;
    const recent = means.slice(-3);
    // On ours, and past the frames after which it may give way to the browser's path (the path a loaded machine plays on is known).
    const decided = now.every((n) => n.ours === null || n.received >= FALLBACK_AFTER_FRAMES);
    const steady = decided && recent.length === 3 && peerIds.every((_, i) => Math.max(...recent.map((m) => m[i]!)) - Math.min(...recent.map((m) => m[i]!)) <= SETTLED_MS);
    if ((steady && elapsedS >= 1) || elapsedS >= SETTLE_MAX_S) return elapsedS;
  }
}
