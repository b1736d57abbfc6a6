import { expect, startBand, test, TONE_AMPLITUDE, TONES } from '../support/fixtures.ts';
import { expectTones, peerId } from '../support/room.ts';
import { sineRmsDb } from '../support/wav.ts';

const expectedDb = sineRmsDb(TONE_AMPLITUDE);

test('two musicians hear each other in stereo and a listener hears both', async ({ launch }) => {
  const { ana, ben, cat } = await startBand(launch, 'Duet');

  // The own input is metered with both channels intact (capture processing is off).
  await expectTones(ana.page, 'self', TONES.ana);

  const checks: Array<[typeof ana.page, string, { left: number; right: number }]> = [
    [ana.page, 'Ben', TONES.ben],
    [ben.page, 'Ana', TONES.ana],
    [cat.page, 'Ana', TONES.ana],
    [cat.page, 'Ben', TONES.ben],
  ];
  for (const [page, from, tones] of checks) {
    const id = await peerId(page, from);
    // Distinct dominant tones left and right prove the stream was not downmixed to mono.
    const heard = await expectTones(page, id, tones);
    for (const channel of [heard.left, heard.right]) {
      expect(channel.rmsDb, `level of ${from}`).toBeGreaterThan(expectedDb - 6);
      expect(channel.rmsDb, `level of ${from}`).toBeLessThan(expectedDb + 3);
    }
  }

  // Presence: everyone sees everyone.
  for (const [page, names] of [
    [ana.page, ['Ben', 'Cat']],
    [cat.page, ['Ana', 'Ben']],
  ] as const) {
    for (const name of names) await expect(page.getByTestId('presence')).toContainText(name);
  }
  await expect(cat.page.getByTestId('presence')).toContainText('Cat (you)');
});
