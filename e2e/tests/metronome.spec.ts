import type { Page } from '@playwright/test';
import { barLengthMs, beatPeriodMs, type TempoState } from '@bandmate/shared';
import { expect, test } from '../support/fixtures.ts';
import { installOnsetTap, readOnsets, type Onset } from '../support/onset-tap.ts';
import { createRoomViaApi, joinRoom } from '../support/room.ts';

/**
 * Two browsers run the room's metronome. Each page reports the clicks it scheduled and the
 * clicks its audio graph actually rendered (an AudioWorklet on the metronome's output), and
 * maps them to the server clock with its own clock sync and output timestamp. The clicks must
 * sit on the server's beat grid and agree between the browsers.
 *
 * Tolerances: 5 ms between browsers, against the grid and from click to click (the
 * requirement; a click 5 ms off is below what players hear as flamming). Within one page the
 * rendered click must start on its scheduled sample: 0.1 ms. A click the audio device itself
 * moved (an output underrun the page noted as an audio clock slip at the tick that heard the
 * click, as large as the click's error) is excused, at most MAX_EXCUSED per check.
 */
const AGREE_MS = 5;

interface ReportedClick {
  index: number;
  /** The grid's server time for this beat. */
  time: number;
  accent: boolean;
  countIn: boolean;
  contextTime: number;
  /** The offset and uncertainty it was placed with. */
  offsetMs: number;
  uncertaintyMs: number;
  /**
   * When the page's output path said the click reached the speaker (read just after it started):
   * on the server clock through the clock sync, and on the machine's own clock. NaN until heard.
   */
  serverTime: number;
  epochTime: number;
  /** The page's timer tick that noted it heard (performance.now(), ms). */
  heardTick: number;
}

interface PageReport {
  clock: { offsetMs: number; uncertaintyMs: number; rttMs: number } | null;
  tempo: TempoState;
  sampleRate: number;
  clicks: ReportedClick[];
  /** Context time up to which the tap has certainly seen the output. */
  renderedUntil: number;
  dropped: number;
  longestStallMs: number;
  replaced: number;
  /** Moves of the audio clock against the page's clock, as "time:ms" (diagnostics). */
  slips: string;
  /** The same, as noted: at the tick (performance.now(), ms), by how much. */
  slipList: Array<{ at: number; slipMs: number }>;
  /** The clock exchanges so far, as "time:offset/rtt" (diagnostics). */
  samples: string;
}

function report(page: Page): Promise<PageReport> {
  return page.evaluate(() => {
    const session = window.__bandmate!.metronome!;
    const context = session.metronome.output.context as AudioContext;
    return {
      clock: session.clock.estimate,
      tempo: session.state.tempo,
      sampleRate: context.sampleRate,
      clicks: session.metronome.log
        .filter((c) => !c.cancelled)
        .sort((x, y) => x.time - y.time)
        .map((c) => ({
          index: c.index,
          time: c.time,
          accent: c.accent,
          countIn: c.countIn,
          contextTime: c.contextTime,
          offsetMs: c.offsetMs,
          uncertaintyMs: c.uncertaintyMs,
          serverTime: c.heardServerTime ?? Number.NaN,
          epochTime: performance.timeOrigin + (c.heardPerformanceTime ?? Number.NaN),
          heardTick: c.heardTick ?? Number.NaN,
        })),
      renderedUntil: context.currentTime - 0.05,
      dropped: session.metronome.dropped,
      longestStallMs: session.metronome.longestStallMs,
      replaced: session.metronome.replaced,
      slipList: session.metronome.audioClockSlips.map((x) => ({ ...x })),
      slips: session.metronome.audioClockSlips.map((x) => `${(x.at % 100_000).toFixed(0)}:${x.slipMs.toFixed(2)}`).join(' '),
      samples: session.clock.samples.map((x) => `${(x.t0 % 100_000).toFixed(0)}:${x.offsetMs.toFixed(2)}/${x.rttMs.toFixed(2)}`).join(' '),
    };
  });
}

const worst = (values: number[]) => Math.max(0, ...values).toFixed(3);

/**
 * At most this many clicks a check may excuse as moved by the audio device: heard off the grid by
 * no more than an audio clock slip the page noted at the very tick that heard it (an output underrun
 * on a starved machine: a click already handed to the audio thread cannot be moved; the clicks
 * still ahead are placed again). A click off the grid without such a slip fails.
 */
const MAX_EXCUSED = 2;

/** The slip (ms) the page noted at the tick that heard this click, else 0. */
function slipWhenHeard(r: PageReport, c: ReportedClick): number {
  return r.slipList.filter((x) => Math.abs(x.at - c.heardTick) < 0.01).reduce((sum, x) => sum + x.slipMs, 0);
}

/**
 * One page's clicks from `fromTime` (server ms) on: each on its grid time (by the page's clock
 * sync and, independently, by the machine's clock, which the server's clock also reads on one
 * machine), and each rendered at its scheduled sample with the right sound, nothing else
 * rendered. Returns the clicks checked and a line of figures.
 */
function checkPage(name: string, r: PageReport, onsets: Onset[], fromTime: number) {
  const clicks = r.clicks.filter((c) => c.time >= fromTime - 0.01 && c.contextTime < r.renderedUntil);
  // The page notes a click's speaker time at its first timer tick after it starts: a stalled
  // page may not have got to the last one or two yet.
  const allHeard = clicks.filter((c) => Number.isFinite(c.serverTime));
  expect(allHeard.length).toBeGreaterThanOrEqual(clicks.length - 2);
  const excused = allHeard.filter((c) => {
    const error = Math.max(Math.abs(c.serverTime - c.time), Math.abs(c.epochTime - c.time));
    const slip = slipWhenHeard(r, c);
    return error >= AGREE_MS && slip !== 0 && error <= Math.abs(slip) + AGREE_MS;
  });
  expect(excused.length, `${name}: clicks moved by an audio clock slip (${excused.map((c) => `beat ${c.index}: ${(c.serverTime - c.time).toFixed(1)} ms, slip ${slipWhenHeard(r, c).toFixed(1)}`).join('; ')})`).toBeLessThanOrEqual(MAX_EXCUSED);
  const heardClicks = allHeard.filter((c) => !excused.includes(c));
  for (const c of heardClicks) {
    const why = `heard at ${(c.epochTime % 100_000).toFixed(1)}, audio clock slips ${r.slips}; placed with offset ${c.offsetMs.toFixed(2)} ± ${c.uncertaintyMs.toFixed(2)} ms, now ${r.clock?.offsetMs.toFixed(2)}; exchanges ${r.samples}`;
    expect(Math.abs(c.serverTime - c.time), `${name} beat ${c.index} on the grid (server clock); ${why}`).toBeLessThan(AGREE_MS);
    expect(Math.abs(c.epochTime - c.time), `${name} beat ${c.index} on the grid (machine clock)`).toBeLessThan(AGREE_MS);
  }
  const matched = clicks.map((click) => ({
    click,
    onset: onsets.find((o) => Math.abs(o.frame / r.sampleRate - click.contextTime) < 0.002),
  }));
  for (const { click, onset } of matched) {
    expect(onset, `${name} heard beat ${click.index}`).toBeDefined();
    expect(Math.abs(onset!.frame / r.sampleRate - click.contextTime) * 1000).toBeLessThan(0.1);
    expect(onset!.hz, `${name} beat ${click.index} pitch`).toBeGreaterThan(click.accent ? 1800 : 900);
    expect(onset!.hz, `${name} beat ${click.index} pitch`).toBeLessThan(click.accent ? 2200 : 1100);
    expect(onset!.peak).toBeGreaterThan(click.accent ? 0.7 : 0.45);
  }
  // Nothing else was heard in that stretch: no cancelled click, no doubled one.
  const firstContext = clicks[0]?.contextTime ?? Number.POSITIVE_INFINITY;
  const heard = onsets.filter((o) => o.frame / r.sampleRate >= firstContext - 0.002 && o.frame / r.sampleRate < r.renderedUntil);
  expect(heard.length, `${name}: no clicks but the scheduled ones`).toBe(matched.length);
  // Click to click as heard. (Not in context frames: on a starved machine the audio clock slips
  // against real time, and the metronome moves the clicks still ahead to stay on the grid.)
  const gapErrors: number[] = [];
  for (let i = 1; i < heardClicks.length; i++) {
    const [prev, cur] = [heardClicks[i - 1]!, heardClicks[i]!];
    gapErrors.push(Math.abs(cur.serverTime - prev.serverTime - (cur.time - prev.time)));
  }
  expect(Math.max(0, ...gapErrors)).toBeLessThan(AGREE_MS);
  expect(r.dropped, `${name}: clicks that came due before the page could place them`).toBe(0);
  const figures =
    `${name}: grid error ≤ ${worst(heardClicks.map((c) => Math.abs(c.serverTime - c.time)))} ms (server clock), ` +
    `≤ ${worst(heardClicks.map((c) => Math.abs(c.epochTime - c.time)))} ms (machine clock); ` +
    `rendered onset vs scheduled ≤ ${worst(matched.map(({ click, onset }) => Math.abs(onset!.frame / r.sampleRate - click.contextTime) * 1000))} ms; ` +
    `beat-to-beat error ≤ ${worst(gapErrors)} ms; ${matched.length} clicks heard; longest main-thread stall ${r.longestStallMs.toFixed(0)} ms, ` +
    `${r.replaced} clicks placed again; audio clock slips ${r.slips || 'none'}` +
    (excused.length ? `; excused ${excused.map((c) => `beat ${c.index} (${(c.serverTime - c.time).toFixed(1)} ms off, slip ${slipWhenHeard(r, c).toFixed(1)} ms at that tick)`).join(', ')}` : '');
  return { clicks, matched, figures, excused: excused.map((c) => c.time) };
}

/** Click-by-click agreement of the two browsers on both clocks. */
function spreadBetween(a: ReportedClick[], b: ReportedClick[], excused: number[]): number[] {
  const spread: number[] = [];
  for (const ca of a) {
    if (excused.includes(ca.time)) continue;
    const cb = b.find((c) => c.time === ca.time);
    if (cb && Number.isFinite(ca.serverTime) && Number.isFinite(cb.serverTime)) spread.push(Math.abs(ca.serverTime - cb.serverTime), Math.abs(ca.epochTime - cb.epochTime));
  }
  return spread;
}

test.skip(process.env.E2E_DATABASE === 'postgresql', 'the metronome’s clicks are local audio on the server’s clock, not the database; the SQLite pass runs it');

test('two browsers click on the server’s beat grid, in agreement, with a count-in, an accented downbeat and tempo changes', async ({ launch }) => {
  const roomId = await createRoomViaApi('Metronome');
  const ana = await launch();
  const ben = await launch();
  await joinRoom(ana.page, roomId, 'Ana');
  await joinRoom(ben.page, roomId, 'Ben');
  for (const p of [ana.page, ben.page]) {
    await expect(p.getByTestId('clock-offset')).toContainText('±');
    await installOnsetTap(p);
  }

  // The tempo is the host's: Ben has no controls, and the server refuses him on the API too.
  await expect(ben.page.getByRole('button', { name: 'Start metronome' })).toHaveCount(0);
  await ben.page.evaluate(() => window.__bandmate!.metronome!.start());
  await expect(ben.page.getByTestId('metronome-error')).toContainText('only the host');

  await ana.page.getByLabel('BPM').fill('150');
  await ana.page.getByRole('button', { name: 'Set tempo' }).click();
  await ana.page.getByLabel('Beats per bar').selectOption('3');
  await expect(ben.page.getByTestId('tempo')).toHaveText('♩ = 150 · 3/4');
  await ana.page.getByRole('button', { name: 'Start metronome' }).click();
  await expect(ben.page.getByTestId('metronome-status')).toHaveAttribute('data-running', 'true');

  // Lead 1 s + count-in bar 1.2 s + three bars 3.6 s.
  await ana.page.waitForTimeout(6200);
  let [a, b] = await Promise.all([report(ana.page), report(ben.page)]);
  const tempo = a.tempo;
  expect(tempo).toEqual(b.tempo);
  expect(tempo).toMatchObject({ bpm: 150, beatsPerBar: 3, running: true, countInBeats: 3 });
  const period = beatPeriodMs(150);
  const figures: string[] = [];
  let excused: number[] = [];
  for (const [name, r, page] of [['Ana', a, ana.page], ['Ben', b, ben.page]] as const) {
    // The clock: on one machine the page's clock (timeOrigin + now) and the server's read the same
    // wall clock, so the true offset is ~0 and must lie within the stated uncertainty.
    expect(r.clock, `${name} synced`).not.toBeNull();
    expect(Math.abs(r.clock!.offsetMs), `${name} offset ${r.clock!.offsetMs} ± ${r.clock!.uncertaintyMs}`).toBeLessThanOrEqual(r.clock!.uncertaintyMs + 2);
    // Scheduled: the count-in bar, then the bars, every beat once, on the grid, downbeats accented.
    const indices = r.clicks.map((c) => c.index);
    expect(indices.slice(0, 4), `${name} starts with the count-in`).toEqual([-3, -2, -1, 0]);
    expect(indices).toEqual(indices.map((_, i) => i - 3));
    expect(r.clicks.slice(0, 3).every((c) => c.countIn)).toBe(true);
    expect(r.clicks.map((c) => c.accent)).toEqual(indices.map((i) => ((i % 3) + 3) % 3 === 0));
    for (const c of r.clicks) expect(Math.abs(c.time - (tempo.startAt! + c.index * period))).toBeLessThan(1e-6);
    const checked = checkPage(name, r, await readOnsets(page), Number.NEGATIVE_INFINITY);
    expect(checked.matched.length).toBeGreaterThanOrEqual(10);
    figures.push(checked.figures);
    excused.push(...checked.excused);
  }
  let spread = spreadBetween(a.clicks, b.clicks, excused);
  expect(spread.length).toBeGreaterThanOrEqual(2 * 10);
  figures.push(
    `A–B: ${spread.length / 2} common clicks, max ${worst(spread)} ms apart; ` +
      `offsets A ${a.clock!.offsetMs.toFixed(2)} ± ${a.clock!.uncertaintyMs.toFixed(2)} ms, B ${b.clock!.offsetMs.toFixed(2)} ± ${b.clock!.uncertaintyMs.toFixed(2)} ms`,
  );
  console.log(figures.join('\n'));
  expect(Number(worst(spread))).toBeLessThan(AGREE_MS);

  // The host changes tempo and metre mid-run: the bars run on and switch together on a bar line.
  await ana.page.getByLabel('BPM').fill('120');
  await ana.page.getByRole('button', { name: 'Set tempo' }).click();
  await expect(ben.page.getByTestId('tempo')).toHaveText('♩ = 120 · 3/4');
  // The switch comes on a bar line at least 1 s ahead, then at least four beats.
  await ana.page.waitForTimeout(5000);
  [a, b] = await Promise.all([report(ana.page), report(ben.page)]);
  excused = [];
  const changed = a.tempo;
  expect(changed).toEqual(b.tempo);
  expect(changed).toMatchObject({ bpm: 120, beatsPerBar: 3, running: true, countInBeats: 0 });
  const barsBefore = (changed.startAt! - tempo.startAt!) / barLengthMs(tempo);
  expect(Math.abs(barsBefore - Math.round(barsBefore)), 'the switch is on a bar line of the old grid').toBeLessThan(1e-6);
  for (const [name, r, page] of [['Ana', a, ana.page], ['Ben', b, ben.page]] as const) {
    const times = r.clicks.map((c) => c.time);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    const oldBars = r.clicks.filter((c) => c.time < changed.startAt!);
    const newBars = r.clicks.filter((c) => c.time >= changed.startAt!);
    expect(oldBars.every((c) => Math.abs(c.time - (tempo.startAt! + c.index * period)) < 1e-6)).toBe(true);
    expect(newBars.map((c) => c.index)).toEqual(newBars.map((_, i) => i));
    expect(newBars.length).toBeGreaterThanOrEqual(5);
    const checked = checkPage(`${name} after the change`, r, await readOnsets(page), changed.startAt! - 2 * period);
    figures.push(checked.figures);
    excused.push(...checked.excused);
  }
  spread = spreadBetween(
    a.clicks.filter((c) => c.time >= changed.startAt!),
    b.clicks.filter((c) => c.time >= changed.startAt!),
    excused,
  );
  expect(spread.length).toBeGreaterThanOrEqual(2 * 5);
  expect(Number(worst(spread))).toBeLessThan(AGREE_MS);
  console.log(figures.slice(3).join('\n'));

  // Ben mutes his click: his output goes quiet while Ana's goes on.
  await ben.page.getByRole('button', { name: 'Mute click' }).click();
  await ben.page.waitForTimeout(200);
  const [beforeA, beforeB] = [(await readOnsets(ana.page)).length, (await readOnsets(ben.page)).length];
  await ben.page.waitForTimeout(1500);
  expect((await readOnsets(ana.page)).length - beforeA).toBeGreaterThanOrEqual(2);
  expect((await readOnsets(ben.page)).length - beforeB).toBe(0);
  await ben.page.getByRole('button', { name: 'Unmute click' }).click();

  // Stop: whatever was placed ahead is cancelled and nothing more sounds anywhere.
  await ana.page.getByRole('button', { name: 'Stop metronome' }).click();
  await expect(ben.page.getByTestId('metronome-status')).toHaveAttribute('data-running', 'false');
  await ben.page.waitForTimeout(300);
  const [quietA, quietB] = [(await readOnsets(ana.page)).length, (await readOnsets(ben.page)).length];
  await ben.page.waitForTimeout(1500);
  expect((await readOnsets(ana.page)).length).toBe(quietA);
  expect((await readOnsets(ben.page)).length).toBe(quietB);
});
