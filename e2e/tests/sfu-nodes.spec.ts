import { expect, TONE_AMPLITUDE, TONES, test, toneWav } from '../support/fixtures.ts';
import { createRoomViaApi, expectTones, joinRoom, peerId, steadyLevel } from '../support/room.ts';
import { sendSignallingTo, startSecondNode } from '../support/second-node.ts';
import { sineRmsDb } from '../support/wav.ts';

const expectedDb = sineRmsDb(TONE_AMPLITUDE);

test('two SFU nodes on one database: a musician whose page reaches the other node plays in the room with one on the room’s node, and they hear each other', async ({ launch, baseURL }) => {
  const nodeB = await startSecondNode('node-b');
  try {
    const roomId = await createRoomViaApi('Across nodes');
    const ana = await launch({ wav: toneWav('ana') });
    const ben = await launch({ wav: toneWav('ben') });
    // Ana's page talks to the SFU it was given, which opens the room; Ben's signalling reaches node B.
    const toB = await sendSignallingTo(ben.page.context(), nodeB, new URL(baseURL!).origin);
    await joinRoom(ana.page, roomId, 'Ana');
    await joinRoom(ben.page, roomId, 'Ben');
    expect(toB.frames(), 'Ben’s page talked to node B').toBeGreaterThan(5);
    for (const [page, from, tones] of [
      [ana.page, 'Ben', TONES.ben],
      [ben.page, 'Ana', TONES.ana],
    ] as const) {
      const id = await peerId(page, from);
      await expectTones(page, id, tones);
      expect(await steadyLevel(page, id, 'left', 7), `level of ${from}`).toBeGreaterThan(expectedDb - 6);
    }
    // One room, one host, one set of people, whichever node a page reached.
    await expect(ben.page.getByTestId('presence')).toContainText('Ana');
    await expect(ana.page.getByTestId('presence')).toContainText('Ben');
    await ana.page.getByRole('button', { name: 'Lock room' }).click();
    await expect(ben.page.getByTestId('room-lock')).toHaveAttribute('data-locked', 'true');
    await ana.page.getByRole('button', { name: 'Unlock room' }).click();
    // The room stayed on the node that opened it: B relays Ben's signalling and runs no room.
    const gauge = async (url: string, name: string) => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    };
    expect(await gauge(nodeB.url, 'bandmate_rooms')).toBe(0);
    expect(await gauge(nodeB.url, 'bandmate_relayed_connections')).toBe(1);
    expect(await gauge(process.env.E2E_SFU_URL!, 'bandmate_rooms')).toBeGreaterThanOrEqual(1);
  } finally {
    await nodeB.stop();
  }
});
