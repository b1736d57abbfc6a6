import { expect, test, toneWav } from '../support/fixtures.ts';
import { peerId, steadyLevel } from '../support/room.ts';

test.skip(process.env.E2E_DATABASE === 'postgresql', 'the demo room is media and the AI, not the database; the SQLite pass runs it');

test('alone with no band: the demo room has a virtual band playing and the AI joins in by itself', async ({ launch }) => {
  const visitor = await launch({ wav: toneWav('ana') });
  const { page } = visitor;
  await page.goto('/');
  await page.getByRole('button', { name: 'Demo room' }).click();
  await expect(page).toHaveURL(/\/room\/[A-Za-z0-9]+$/);
  await page.getByLabel('Display name').fill('Solo');
  await page.getByLabel('Play (send my instrument)').check();
  await page.getByRole('button', { name: 'Join' }).click();
  await expect(page.getByTestId('room')).toHaveAttribute('data-phase', 'joined');

  // The virtual band is a musician of the room: its loop arrives as real Opus and is loud.
  const band = await peerId(page, 'Demo band');
  for (const channel of ['left', 'right'] as const) {
    expect(await steadyLevel(page, band, channel, 7), `demo band (${channel})`).toBeGreaterThan(-30);
  }
  // The AI was switched on for the room without anyone asking, and it plays what it hears.
  await expect(page.getByTestId('ai-state')).toHaveAttribute('data-state', 'playing', { timeout: 30_000 });
  const ai = await peerId(page, 'AI · mirror');
  await expect.poll(() => steadyLevel(page, ai, 'left', 7), { message: 'the AI track', timeout: 20_000 }).toBeGreaterThan(-30);
  // The visitor plays along and is the host (the band is not a person): they may remove the AI player.
  await page.getByRole('button', { name: 'Remove AI mirror' }).click();
  await expect(page.getByTestId('ai-player')).toHaveCount(0);
  await expect(page.getByTestId('presence')).toContainText('Demo band');
});
