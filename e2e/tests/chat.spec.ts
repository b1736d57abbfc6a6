import { expect, test } from '../support/fixtures.ts';
import { createRoomViaApi, joinRoom } from '../support/room.ts';

test('chat: a message reaches the other browser as text, a late joiner sees the history, an oversized one is refused', async ({ launch }) => {
  const roomId = await createRoomViaApi('Chat room');
  const ana = await launch();
  const ben = await launch();
  await joinRoom(ana.page, roomId, 'Ana');
  await joinRoom(ben.page, roomId, 'Ben', 'listener');
  const dialogs: string[] = [];
  for (const p of [ana.page, ben.page]) p.on('dialog', (d) => void d.dismiss().then(() => dialogs.push(d.message())));

  // Markup is shown as the characters typed, never run or rendered.
  const markup = '<img src=x onerror="alert(1)"> <b>hello</b> Ben';
  await ana.page.getByLabel('Chat message').fill(markup);
  await ana.page.getByLabel('Chat message').press('Enter');
  const benLog = ben.page.getByTestId('chat-log');
  await expect(benLog.getByTestId('chat-body')).toHaveText([markup]);
  await expect(benLog.getByTestId('chat-message')).toContainText('Ana');
  await expect(benLog.locator('img, b')).toHaveCount(0);
  await expect(ana.page.getByLabel('Chat message')).toHaveValue('', { timeout: 5000 });

  await ben.page.getByLabel('Chat message').fill('hi Ana\nsecond line');
  await ben.page.getByRole('button', { name: 'Send' }).click();
  await expect(ana.page.getByTestId('chat-log').getByTestId('chat-body')).toHaveText([markup, 'hi Ana\nsecond line']);

  // Cat arrives later and gets the session's history, in order.
  const cat = await launch();
  await joinRoom(cat.page, roomId, 'Cat', 'listener');
  await expect(cat.page.getByTestId('chat-log').getByTestId('chat-body')).toHaveText([markup, 'hi Ana\nsecond line']);
  await expect(cat.page.getByTestId('chat-log').getByTestId('chat-message').first()).toContainText('Ana');

  // Over the limit: the server refuses it with a clear error; nobody receives it, the draft stays.
  const long = 'x'.repeat(501);
  await ana.page.getByLabel('Chat message').fill(long);
  await expect(ana.page.getByTestId('chat-count')).toHaveText('501/500');
  await ana.page.getByRole('button', { name: 'Send' }).click();
  await expect(ana.page.getByTestId('chat-error')).toContainText('at most 500 characters');
  await expect(ana.page.getByLabel('Chat message')).toHaveValue(long);
  await ben.page.waitForTimeout(500);
  await expect(benLog.getByTestId('chat-body')).toHaveCount(2);

  // A message at the limit goes through.
  await ana.page.getByLabel('Chat message').fill('y'.repeat(500));
  await ana.page.getByRole('button', { name: 'Send' }).click();
  await expect(benLog.getByTestId('chat-body')).toHaveCount(3);
  await expect(ana.page.getByTestId('chat-error')).toHaveCount(0);
  expect(dialogs).toEqual([]);
});
