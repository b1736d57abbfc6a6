import { expect, startBand, test, TONE_AMPLITUDE, TONES } from '../support/fixtures.ts';
import { canBreakNetwork, cutNetwork, heal } from '../support/network.ts';
import { expectTones, peerId, SFU_URL, steadyLevel } from '../support/room.ts';
import { sineRmsDb } from '../support/wav.ts';

const expectedDb = sineRmsDb(TONE_AMPLITUDE);

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
