import { expect, startBand, test, TONE_AMPLITUDE, TONES } from '../support/fixtures.ts';
import { killSfuMediaWorkers } from '../support/processes.ts';
import { expectTones, peerId, steadyLevel } from '../support/room.ts';
import { sineRmsDb } from '../support/wav.ts';

const expectedDb = sineRmsDb(TONE_AMPLITUDE);

test.skip(process.env.E2E_DATABASE === 'postgresql', 'a room moving to another media process does not touch the database; the SQLite pass runs it');

test("the SFU's mediasoup workers killed mid-room: the browsers get back in by themselves, no reload, and hear each other again", async ({ launch }) => {
  const { ana, ben, cat } = await startBand(launch, 'Fault');
  const benBefore = await peerId(ana.page, 'Ben');
  await expectTones(ana.page, benBefore, TONES.ben);

  const killedAt = Date.now();
  expect(killSfuMediaWorkers().length, 'the SFU has mediasoup workers to kill').toBeGreaterThan(0);

  // Each page is told, joins again on its own as the same peer (its rejoin token), and the streams
  // come back: Ben goes quiet on Ana's page (his stream went with the dead router: his strip is
  // gone while the pages rejoin, or silent), then she hears him again on a new consumer. Read
  // without waiting for Ben to be listed: on an idle machine the whole gap can be shorter than
  // such a wait.
  const benLevel = async () => {
    const id = await ana.page.evaluate(() => window.__bandmate?.state.peers.find((p) => p.displayName === 'Ben' && p.producerId)?.id ?? null).catch(() => null);
    return id ? steadyLevel(ana.page, id, 'left', 1).catch(() => -Infinity) : -Infinity;
  };
  await expect.poll(benLevel, { timeout: 10_000, intervals: [50] }).toBeLessThan(expectedDb - 20);
  await expect
    .poll(benLevel, { timeout: 30_000, intervals: [100] })
    .toBeGreaterThan(expectedDb - 6);
  const backInMs = Date.now() - killedAt;
  expect(await peerId(ana.page, 'Ben'), 'Ben is back as the same peer').toBe(benBefore);
  for (const [page, from, tones] of [
    [ana.page, 'Ben', TONES.ben],
    [ben.page, 'Ana', TONES.ana],
    [cat.page, 'Ana', TONES.ana],
  ] as const) {
    await expect(page.getByTestId('room')).toHaveAttribute('data-phase', 'joined', { timeout: 20_000 });
    const id = await peerId(page, from);
    await expectTones(page, id, tones);
    const level = await steadyLevel(page, id, 'left', 7);
    expect(level, `level of ${from} after the restart`).toBeGreaterThan(expectedDb - 6);
  }
  console.log(`mediasoup workers killed: Ana hears Ben again ${(backInMs / 1000).toFixed(1)} s later; all three pages' tones checked by ${((Date.now() - killedAt) / 1000).toFixed(1)} s`);
});
