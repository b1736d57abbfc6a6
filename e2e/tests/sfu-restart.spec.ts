import { expect, startBand, test, TONE_AMPLITUDE, TONES } from '../support/fixtures.ts';
import { killSfu } from '../support/processes.ts';
import { expectTones, peerId, steadyLevel } from '../support/room.ts';
import { sineRmsDb } from '../support/wav.ts';

const expectedDb = sineRmsDb(TONE_AMPLITUDE);

test('the SFU process killed mid-room and started again by its supervisor: the pages rejoin by themselves, no reload, same people, still locked, the host still hosts, and they hear each other', async ({ launch }) => {
  const { ana, ben, cat } = await startBand(launch, 'SFU restart');
  const benBefore = await peerId(ana.page, 'Ben');
  const anaBefore = await peerId(ben.page, 'Ana');
  await expectTones(ana.page, benBefore, TONES.ben);
  await ana.page.getByRole('button', { name: 'Lock room' }).click();
  for (const page of [ana.page, ben.page, cat.page]) await expect(page.getByTestId('room-lock')).toHaveAttribute('data-locked', 'true');

  const pages = [ana.page, ben.page, cat.page];
  const joins = await Promise.all(pages.map(async (page) => Number(await page.getByTestId('room').getAttribute('data-joins'))));
  const killedAt = Date.now();
  killSfu();
  // Each page notices, waits for the server and joins again as the same peer: one join more each,
  // counted by the page (a reload would start the count again). The supervisor restarts the SFU in
  // half a second, too short a time between phases to poll for.
  for (const [i, page] of pages.entries()) {
    await expect(page.getByTestId('room')).toHaveAttribute('data-joins', String(joins[i]! + 1), { timeout: 30_000 });
    await expect(page.getByTestId('room')).toHaveAttribute('data-phase', 'joined');
  }
  const backInMs = Date.now() - killedAt;
  expect(await peerId(ana.page, 'Ben'), 'Ben is back as the same peer').toBe(benBefore);
  expect(await peerId(ben.page, 'Ana'), 'Ana is back as the same peer').toBe(anaBefore);
  for (const page of [ana.page, ben.page, cat.page]) await expect(page.getByTestId('room-lock')).toHaveAttribute('data-locked', 'true');
  await expect(ana.page.getByRole('button', { name: 'Unlock room' }), 'Ana still hosts').toBeVisible();
  await expect(ben.page.getByRole('button', { name: 'Unlock room' })).toHaveCount(0);

  for (const [page, from, tones] of [
    [ana.page, 'Ben', TONES.ben],
    [ben.page, 'Ana', TONES.ana],
    [cat.page, 'Ana', TONES.ana],
  ] as const) {
    const id = await peerId(page, from);
    await expectTones(page, id, tones);
    expect(await steadyLevel(page, id, 'left', 7), `level of ${from} after the restart`).toBeGreaterThan(expectedDb - 6);
  }
  console.log(`SFU killed: all three pages back in the room ${(backInMs / 1000).toFixed(1)} s later (same peers, locked, same host); tones checked by ${((Date.now() - killedAt) / 1000).toFixed(1)} s`);
  await ana.page.getByRole('button', { name: 'Unlock room' }).click();
});
