import { expect, startBand, test, TONE_AMPLITUDE, TONES } from '../support/fixtures.ts';
import { canBreakNetwork, cutNetwork, heal, loseUdp } from '../support/network.ts';
import { expectTones, peerId, SFU_URL, steadyLevel } from '../support/room.ts';
import { sineRmsDb } from '../support/wav.ts';

const expectedDb = sineRmsDb(TONE_AMPLITUDE);

test.skip(process.env.E2E_DATABASE === 'postgresql', 'a cut network does not depend on the database (rejoining on PostgreSQL: sfu-restart, sfu-node-death); the SQLite pass runs it');

test('the network drops for 5 s (media and signalling): the pages stay in the room and hear each other again, no reload', async ({ launch }) => {
  test.skip(!canBreakNetwork(), 'cutting the network needs the tests’ network namespace (E2E_NETNS is off)');
  const { ana, ben } = await startBand(launch, 'Network drop');
  const benId = await peerId(ana.page, 'Ben');
  await expectTones(ana.page, benId, TONES.ben);

  cutNetwork(Number(new URL(SFU_URL).port));
  try {
    await ana.page.waitForTimeout(5000);
  } finally {
    heal();
  }
  const healedAt = Date.now();
  // Back by themselves: each page hears the other at its level again (same peer, or a rejoin).
  for (const [page, from, tones] of [
    [ana.page, 'Ben', TONES.ben],
    [ben.page, 'Ana', TONES.ana],
  ] as const) {
    await expect(page.getByTestId('room')).toHaveAttribute('data-phase', 'joined', { timeout: 30_000 });
    await expect
      .poll(async () => steadyLevel(page, await peerId(page, from), 'left', 3), { message: `${from} heard again`, timeout: 30_000 })
      .toBeGreaterThan(expectedDb - 6);
    await expectTones(page, await peerId(page, from), tones);
  }
  console.log(`network back after 5 s without it: both pages hear each other ${((Date.now() - healedAt) / 1000).toFixed(1)} s later`);
});

test('media alone cut for 40 s, past ICE consent (signalling up): the pages restart ICE and hear each other again, still joined as the same peers', async ({ launch }) => {
  test.skip(!canBreakNetwork(), 'cutting the network needs the tests’ network namespace (E2E_NETNS is off)');
  test.setTimeout(180_000);
  const { ana, ben } = await startBand(launch, 'Media drop');
  const benId = await peerId(ana.page, 'Ben');
  const anaId = await peerId(ben.page, 'Ana');
  await expectTones(ana.page, benId, TONES.ben);
  const restarts = (page: typeof ana.page) => page.evaluate(() => window.__bandmate!.iceRestarts);
  expect(await restarts(ana.page)).toBe(0);

  loseUdp(1);
  try {
    await ana.page.waitForTimeout(40_000);
  } finally {
    heal();
  }
  const healedAt = Date.now();
  for (const [page, from, id, tones] of [
    [ana.page, 'Ben', benId, TONES.ben],
    [ben.page, 'Ana', anaId, TONES.ana],
  ] as const) {
    await expect
      .poll(async () => steadyLevel(page, id, 'left', 3), { message: `${from} heard again`, timeout: 30_000 })
      .toBeGreaterThan(expectedDb - 6);
    await expectTones(page, id, tones);
    // The same membership all along: no rejoin, no new peer; ICE was restarted.
    await expect(page.getByTestId('room')).toHaveAttribute('data-phase', 'joined');
    expect(await peerId(page, from)).toBe(id);
    expect(await restarts(page), 'ICE restarts').toBeGreaterThan(0);
  }
  console.log(`UDP cut for 40 s: both pages hear each other ${((Date.now() - healedAt) / 1000).toFixed(1)} s after it came back (ICE restarts: ${await restarts(ana.page)} and ${await restarts(ben.page)})`);
});
