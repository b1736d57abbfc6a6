import path from 'node:path';
import { PLAYOUT_PREFERENCE_KEY } from '../../apps/web/media/playout/preference.ts';
import type { Participant } from '../support/browsers.ts';
import { ARTIFACTS, expect, test, TONE_AMPLITUDE, TONES, toneWav } from '../support/fixtures.ts';
import { canBreakNetwork, loseUdp } from '../support/network.ts';
import { contextFrame, readPcm, tapAllPeers } from '../support/pcm-tap.ts';
import { createRoomViaApi, expectTones, joinRoom, peerId, steadyLevel } from '../support/room.ts';
import { sineRmsDb, writeBurstWav } from '../support/wav.ts';

/**
 * Our playout path (encoded frames → WebCodecs → our jitter buffer in an AudioWorklet), as a
 * listener hears it, chosen as a listener chooses it (the page's switch, kept in localStorage).
 */
async function lowLatencyListener(launch: (o?: object) => Promise<Participant>): Promise<Participant> {
  const listener = await launch();
  await listener.page.addInitScript((key) => localStorage.setItem(key, 'low-latency'), PLAYOUT_PREFERENCE_KEY);
  return listener;
}

/** Ana plays her tones; Cat listens on our path; both in a new room, and Cat hears Ana's tones. */
async function anaToOurListener(launch: (o?: object) => Promise<Participant>, roomName: string) {
  const roomId = await createRoomViaApi(roomName);
  const ana = await launch({ wav: toneWav('ana') });
  const cat = await lowLatencyListener(launch);
  await joinRoom(ana.page, roomId, 'Ana');
  await joinRoom(cat.page, roomId, 'Cat', 'listener');
  await expect(cat.page.getByTestId('playout')).toHaveAttribute('data-path', 'low-latency');
  const anaId = await peerId(cat.page, 'Ana');
  await expectTones(cat.page, anaId, TONES.ana);
  return { roomId, ana, cat, anaId };
}

const SECONDS = Number(process.env.E2E_PLAYOUT_SECONDS ?? 60);

// Playback never touches the database: one pass (SQLite's) is enough.
test.skip(process.env.E2E_DATABASE === 'postgresql', 'playback does not depend on the database; the SQLite pass runs it');

/** RMS of each 10 ms window of a recording, in dB. */
function windowsDb(samples: Float32Array, rate: number): number[] {
  const n = Math.round(rate / 100);
  const out: number[] = [];
  for (let start = 0; start + n <= samples.length; start += n) {
    let sum = 0;
    for (let i = start; i < start + n; i++) sum += samples[i]! ** 2;
    out.push(10 * Math.log10(sum / n + 1e-12));
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

test('our playout path plays the tones at their pitch and level in stereo, with no gap for a minute, and conceals lost packets', async ({ launch }) => {
  test.setTimeout(60_000 + SECONDS * 1000 + 60_000);
  // Pitch: 440 Hz left and 660 Hz right, so nothing was downmixed; level: that of the tones sent.
  const { cat, anaId } = await anaToOurListener(launch, 'Low latency');
  for (const channel of ['left', 'right'] as const) {
    const level = await steadyLevel(cat.page, anaId, channel, 7);
    expect(level, `level of Ana (${channel})`).toBeGreaterThan(sineRmsDb(TONE_AMPLITUDE) - 3);
    expect(level, `level of Ana (${channel})`).toBeLessThan(sineRmsDb(TONE_AMPLITUDE) + 1.5);
  }

  // A minute of the tones: every 10 ms window within a few dB of the rest.
  await tapAllPeers(cat.page);
  await cat.page.waitForTimeout(1000);
  const from = await contextFrame(cat.page);
  // The buffer through the minute: its delay, its automatic depth and how late frames came (the
  // most of its last 1000 frames, 10 s, read every 2 s: every frame of the minute is seen).
  const reads: Array<{ delayMs: number; targetMs: number; latenessMaxMs: number }> = [];
  const readBuffer = async () => {
    const s = await cat.page.evaluate((id) => window.__bandmate!.playoutStats(id), anaId);
    if (s) reads.push({ delayMs: s.delayMs, targetMs: s.targetMs, latenessMaxMs: s.latenessMaxMs });
  };
  await readBuffer();
  const minuteEnds = Date.now() + SECONDS * 1000;
  while (Date.now() < minuteEnds) {
    await cat.page.waitForTimeout(Math.min(2000, Math.max(0, minuteEnds - Date.now())));
    await readBuffer();
  }
  const depths = reads.map((r) => r.delayMs);
  const to = await contextFrame(cat.page);
  const minute = await readPcm(cat.page, anaId, from, to);
  expect(minute.samples.length / minute.sampleRate).toBeGreaterThan(SECONDS * 0.95);
  const levels = windowsDb(minute.samples, minute.sampleRate);
  const typical = median(levels);
  const dips = levels.filter((db) => db < typical - 6).length;
  const gaps = levels.filter((db) => db < typical - 30).length;
  // A dropout: a run of dipped windows (a concealed gap longer than one frame goes silent).
  const dropouts = levels.filter((db, i) => db < typical - 6 && !(levels[i - 1]! < typical - 6)).length;
  const stats = await cat.page.evaluate((id) => window.__bandmate!.state.peers.find((p) => p.id === id)?.stats, anaId);
  console.log(
    `[playout] ${SECONDS} s at Cat: ${dropouts} dropouts, ${dips} windows 6 dB under the typical ${typical.toFixed(1)} dB, ${gaps} silent; ` +
      `buffer ${stats?.bufferMs} ms (auto ${stats?.bufferTargetMs}; median through the minute ${median(depths)?.toFixed(1)} ms, most ${Math.max(...depths).toFixed(1)}), ${stats?.dropoutsPerMinute?.toFixed(2)} dropouts/min, latency ≈ ${stats?.latencyMs?.toFixed(0)} ms`,
  );
  // The target is under one dropout a minute: the automatic depth learns from late frames, so on
  // a loaded machine (two browsers, the SFU and the web app on two cores) the first spike it
  // meets may get through.
  expect(dropouts, 'dropouts in the minute').toBeLessThanOrEqual(Math.max(1, Math.floor(SECONDS / 60)));
  expect(gaps, 'silent 10 ms windows').toBeLessThanOrEqual(5);
  expect(stats?.path).toBe('low-latency');
  expect(reads.length, 'buffer reads through the minute').toBeGreaterThanOrEqual(SECONDS / 4);
  // The automatic depth is the largest lateness of the last minute (and a 1.3 ms step and the
  // 2.7 ms read-ahead): no deeper than the jitter it met. How deep that is depends on the machine
  // (36–43 ms idle here, 70–135 ms in a loaded CI), which is the latency benchmark's to report.
  const lateness = Math.max(...reads.map((r) => r.latenessMaxMs));
  const finalDepth = reads[reads.length - 1]!.targetMs;
  console.log(`[playout] the automatic depth at the end ${finalDepth.toFixed(1)} ms; frames came up to ${lateness.toFixed(1)} ms late in the minute`);
  expect(finalDepth, 'the automatic depth against the largest lateness of the minute (ms)').toBeLessThanOrEqual(lateness + 5);
  // And the delay heard holds the depth: the read position is cut back to it (accelerate) when behind.
  expect(median(depths)!, 'the buffer’s delay through the minute (median, ms)').toBeLessThanOrEqual(median(reads.map((r) => r.targetMs))! + 10);

  // Lost packets: nftables drops 1 % of UDP in this namespace for 10 s (both legs, Ana→SFU and
  // SFU→Cat). The buffer conceals each gap by looping the last pitch period heard (held, then
  // faded): no click, and no silence at this rate.
  if (!canBreakNetwork()) {
    test.info().annotations.push({ type: 'skipped part', description: 'packet loss needs the network namespace (E2E_NETNS is off)' });
    return;
  }
  const lostBefore = await cat.page.evaluate((id) => window.__bandmate!.inboundRtp(id), anaId);
  const lossFrom = await contextFrame(cat.page);
  loseUdp(0.01);
  try {
    await cat.page.waitForTimeout(10_000);
  } finally {
    loseUdp(null);
  }
  const lossTo = await contextFrame(cat.page);
  const lostAfter = await cat.page.evaluate((id) => window.__bandmate!.inboundRtp(id), anaId);
  const lost = Number(lostAfter.inbound?.packetsLost ?? 0) - Number(lostBefore.inbound?.packetsLost ?? 0);
  const lossy = await readPcm(cat.page, anaId, lossFrom, lossTo);
  const lossyLevels = windowsDb(lossy.samples, lossy.sampleRate);
  let step = 0;
  for (let i = 1; i < lossy.samples.length; i++) step = Math.max(step, Math.abs(lossy.samples[i]! - lossy.samples[i - 1]!));
  // The steepest step of the mono mix of the tones: (0.5 · 2π · 440 + 0.5 · 2π · 660) / 2 / 48000.
  const toneStep = (TONE_AMPLITUDE * 2 * Math.PI * (TONES.ana.left + TONES.ana.right)) / 2 / lossy.sampleRate;
  const concealed = lossyLevels.filter((db) => db < typical - 1.5).length;
  console.log(`[playout] 10 s of 1 % UDP loss: ${lost} packets lost at Cat's receiver, ${concealed} windows concealed, the quietest at ${Math.min(...lossyLevels).toFixed(1)} dB, largest step ${step.toFixed(3)} (the tones' own ${toneStep.toFixed(3)})`);
  expect(lost, 'packets lost on the way to Cat').toBeGreaterThan(3);
  expect(concealed, 'windows where a loss was concealed').toBeGreaterThan(0);
  expect(lossyLevels.filter((db) => db < typical - 30).length, 'silent windows under loss').toBeLessThanOrEqual(1);
  expect(step, 'a click (a step far above the tones’ own)').toBeLessThan(toneStep * 2.5);
});

/** Onsets of bursts in a recording (a rise out of ≥ 50 ms of quiet), in context frames. */
function onsets(pcm: { startFrame: number; samples: Float32Array; sampleRate: number }): number[] {
  const hop = 48;
  const found: number[] = [];
  let quiet = 0;
  for (let start = 0; start + hop <= pcm.samples.length; start += hop) {
    let sum = 0;
    for (let i = start; i < start + hop; i++) sum += pcm.samples[i]! ** 2;
    const loud = Math.sqrt(sum / hop) > 0.05;
    if (loud && quiet >= 50) {
      let i = start;
      while (i < start + hop && Math.abs(pcm.samples[i]!) < 0.05) i++;
      found.push(pcm.startFrame + i);
    }
    quiet = loud ? 0 : quiet + 1;
  }
  return found;
}

/** Onset phases (ms in the 250 ms period) heard between two context frames, unwrapped around `near`. */
function phasesMs(pcm: { startFrame: number; samples: Float32Array; sampleRate: number }, from: number, to: number, near?: number): number[] {
  const period = 0.25 * pcm.sampleRate;
  const found = onsets(pcm).filter((f) => f >= from && f < to);
  const centre = near === undefined ? (found[0] ?? 0) % period : (near / 1000) * pcm.sampleRate;
  return found.map((f) => {
    let p = (f % period) - centre;
    while (p > period / 2) p -= period;
    while (p < -period / 2) p += period;
    return ((centre + p) / pcm.sampleRate) * 1000;
  });
}

test('the buffer control changes the delay heard: 5 ms and 80 ms are 75 ms apart at the ear', async ({ launch }) => {
  const roomId = await createRoomViaApi('Buffer control');
  const wav = writeBurstWav(path.join(ARTIFACTS, 'clicks-250.wav'), { hz: 1000, burstMs: 30, periodMs: 250, phaseMs: 0 });
  const ana = await launch({ wav });
  const cat = await lowLatencyListener(launch);
  await joinRoom(ana.page, roomId, 'Ana');
  await joinRoom(cat.page, roomId, 'Cat', 'listener');
  await expect(cat.page.getByTestId('playout')).toHaveAttribute('data-path', 'low-latency');
  const anaId = await peerId(cat.page, 'Ana');
  await tapAllPeers(cat.page);
  const select = cat.page.getByLabel('Buffer for Ana');
  await expect(select).toHaveValue('auto');

  // Back and forth every 2 s; each switch is judged by the bursts heard just before and just after
  // it, so the fake devices' clocks (which slip on a loaded machine) cannot add up between them.
  await select.selectOption('5');
  await cat.page.waitForTimeout(2000);
  const switches: Array<{ to: string; at: number }> = [];
  for (const ms of ['80', '5', '80', '5', '80', '5']) {
    switches.push({ to: ms, at: await contextFrame(cat.page) });
    await select.selectOption(ms);
    if (ms === '80') await expect(cat.page.getByTestId(`buffer-${anaId}`)).toContainText(/^8[0-5]\.\d ms/, { timeout: 3000 });
    else await expect(cat.page.getByTestId(`buffer-${anaId}`)).toContainText(/^[5-9]\.\d ms/, { timeout: 3000 });
    await cat.page.waitForTimeout(2000 - 300);
  }
  const end = await contextFrame(cat.page);
  const pcm = await readPcm(cat.page, anaId, switches[0]!.at - 2 * 48000, end);
  const rate = pcm.sampleRate;
  const shifts = switches.map((s, i) => {
    const before = phasesMs(pcm, s.at - 1.5 * rate, s.at);
    const ref = median(before);
    const next = switches[i + 1]?.at ?? end;
    const after = phasesMs(pcm, s.at + 0.3 * rate, Math.min(next, s.at + 1.8 * rate), ref + (s.to === '80' ? 75 : -75));
    return { to: s.to, shift: median(after) - ref, counts: [before.length, after.length] };
  });
  console.log(`[playout] heard delay change at each switch of Cat's buffer for Ana: ${JSON.stringify(shifts.map((s) => ({ ...s, shift: +s.shift.toFixed(1) })))}`);
  // Up, the buffer jumps back 75 ms at once. Down, it jumps ahead 75 ms, but 5 ms is less than
  // this loaded machine's jitter: the first frames it then waits for add a little back (62–72 ms
  // measured, where up was 77–78; once 86, the buffer having run a frame short just before).
  // Each switch within 20 ms of 75; their mean, the figure the control promises, within 6.
  for (const s of shifts) {
    expect(Math.min(...s.counts), 'bursts around a switch').toBeGreaterThanOrEqual(4);
    expect(Math.abs(s.shift), `to ${s.to} ms: heard ${s.shift.toFixed(1)} ms`).toBeGreaterThan(55);
    expect(Math.abs(s.shift), `to ${s.to} ms: heard ${s.shift.toFixed(1)} ms`).toBeLessThan(95);
    expect(Math.sign(s.shift), `to ${s.to} ms`).toBe(s.to === '80' ? 1 : -1);
  }
  const mean = shifts.reduce((sum, s) => sum + Math.abs(s.shift), 0) / shifts.length;
  expect(Math.abs(mean - 75), `the mean change ${mean.toFixed(1)} ms`).toBeLessThan(6);
});

test("the browser's path plays by default; the page's switch moves a listener to ours, and back", async ({ launch }) => {
  const roomId = await createRoomViaApi('Playback switch');
  const ana = await launch({ wav: toneWav('ana') });
  const cat = await launch();
  await joinRoom(ana.page, roomId, 'Ana');
  await joinRoom(cat.page, roomId, 'Cat', 'listener');
  await expect(cat.page.getByTestId('playout')).toHaveAttribute('data-path', 'browser');
  await expectTones(cat.page, await peerId(cat.page, 'Ana'), TONES.ana);
  await cat.page.getByRole('button', { name: /use the low-latency path/ }).click();
  await joinRoom(cat.page, roomId, 'Cat', 'listener');
  await expect(cat.page.getByTestId('playout')).toHaveAttribute('data-path', 'low-latency');
  await expectTones(cat.page, await peerId(cat.page, 'Ana'), TONES.ana);
  // Each strip then says which path fed its figures.
  await expect(cat.page.locator(`[data-testid="stats-${await peerId(cat.page, 'Ana')}"]`)).toHaveAttribute('data-path', 'low-latency', { timeout: 5000 });
  await cat.page.getByRole('button', { name: /use the browser's path/ }).click();
  await joinRoom(cat.page, roomId, 'Cat', 'listener');
  await expect(cat.page.getByTestId('playout')).toHaveAttribute('data-path', 'browser');
  await expectTones(cat.page, await peerId(cat.page, 'Ana'), TONES.ana);
  await expect(cat.page.locator(`[data-testid="stats-${await peerId(cat.page, 'Ana')}"]`)).toHaveAttribute('data-path', 'browser', { timeout: 5000 });
});

test("when our path gives way (a machine too busy for it), the streams play on through the browser's path, at their pitch, level and fader, and so do later ones", async ({ launch }) => {
  const { roomId, cat, anaId } = await anaToOurListener(launch, 'Playback fallback');
  // The listener turned Ana down 6 dB (the meters are after the fader); the move keeps it.
  await cat.page.evaluate((id) => window.__bandmate!.setStrip(id, { gain: 0.5 }), anaId);
  await cat.page.waitForTimeout(500);
  const levels = async (id: string) => [await steadyLevel(cat.page, id, 'left'), await steadyLevel(cat.page, id, 'right')] as const;
  const before = await levels(anaId);
  await tapAllPeers(cat.page);
  // What fallback.ts decides on a busy machine, forced here: this one cannot starve a worker on cue.
  const movedAt = await contextFrame(cat.page);
  await cat.page.evaluate(() => window.__bandmate!.toBrowserPath('forced by the test'));
  await expect(cat.page.getByTestId('playout')).toHaveAttribute('data-path', 'browser');
  await expect(cat.page.getByTestId('playout')).toContainText('forced by the test');
  await expect(cat.page.locator(`[data-testid="stats-${anaId}"]`)).toHaveAttribute('data-path', 'browser', { timeout: 5000 });
  await expectTones(cat.page, anaId, TONES.ana);
  const after = await levels(anaId);
  for (const c of [0, 1] as const) expect(Math.abs(after[c] - before[c]), `channel ${c}: ${before[c].toFixed(1)} → ${after[c].toFixed(1)} dB`).toBeLessThan(2);
  // The browser's path is really decoding it now (its counters move), and our node is gone.
  const decoded = async (id: string) => Number((await cat.page.evaluate((p) => window.__bandmate!.inboundRtp(p), id)).inbound?.totalSamplesReceived ?? 0);
  const first = await decoded(anaId);
  await cat.page.waitForTimeout(1000);
  expect(await decoded(anaId)).toBeGreaterThan(first + 30_000);
  expect(await cat.page.evaluate((id) => window.__bandmate!.playoutStats(id), anaId)).toBeUndefined();
  // The tests' recording of Ana follows her to the new node (the shipped-model test relies on it).
  const heard = await readPcm(cat.page, anaId, movedAt + 48_000);
  expect(heard.samples.length, 'Ana recorded after the move (samples)').toBeGreaterThan(24_000);
  expect(Math.max(...windowsDb(heard.samples, heard.sampleRate)), 'Ana recorded after the move (loudest 10 ms, dB)').toBeGreaterThan(sineRmsDb(TONE_AMPLITUDE) - 12);
  // A musician who joins later (Ben) goes straight to the browser's path.
  const ben = await launch({ wav: toneWav('ben') });
  await joinRoom(ben.page, roomId, 'Ben');
  const benId = await peerId(cat.page, 'Ben');
  await expectTones(cat.page, benId, TONES.ben);
  await expect(cat.page.locator(`[data-testid="stats-${benId}"]`)).toHaveAttribute('data-path', 'browser', { timeout: 5000 });
  expect(await decoded(benId)).toBeGreaterThan(0);
});
