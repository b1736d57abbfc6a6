import { expect, TONE_AMPLITUDE, TONES, test, toneWav } from '../support/fixtures.ts';
import { createRoomViaApi, expectTones, joinRoom, peerId, steadyLevel } from '../support/room.ts';
import { gauge, sendSignallingTo, startSecondNode } from '../support/second-node.ts';
import { sineRmsDb } from '../support/wav.ts';

const expectedDb = sineRmsDb(TONE_AMPLITUDE);
const nodeA = process.env.E2E_SFU_URL!;

test('the SFU node a room runs on dies: its pages, one on that node and one relayed through the other, are back in the room on the other node, no reload, same people, still locked', async ({ launch, baseURL }) => {
  // The dead node's lease (SFU_NODE_LEASE_MS, 15 s) runs out before the other node takes the room.
  test.setTimeout(150_000);
  const nodeB = await startSecondNode('node-b');
  try {
    const roomId = await createRoomViaApi('The node dies');
    const ana = await launch({ wav: toneWav('ana') });
    const ben = await launch({ wav: toneWav('ben') });
    // Ana's page reaches node B, which opens the room; when B is gone her balancer sends her to A.
    await sendSignallingTo(ana.page.context(), nodeB, new URL(baseURL!).origin, { fallback: true });
    await joinRoom(ana.page, roomId, 'Ana');
    await joinRoom(ben.page, roomId, 'Ben');
    expect(await gauge(nodeB.url, 'bandmate_rooms'), 'the room runs on B').toBe(1);
    expect(await gauge(nodeA, 'bandmate_relayed_connections'), 'Ben is relayed through A').toBe(1);
    const ids = { ana: await peerId(ben.page, 'Ana'), ben: await peerId(ana.page, 'Ben') };
    await ana.page.getByRole('button', { name: 'Lock room' }).click();
    await expect(ben.page.getByTestId('room-lock')).toHaveAttribute('data-locked', 'true');

    const killedAt = Date.now();
    await nodeB.kill();
    for (const page of [ana.page, ben.page]) await expect(page.getByTestId('room')).not.toHaveAttribute('data-phase', 'joined', { timeout: 10_000 });
    for (const page of [ana.page, ben.page]) await expect(page.getByTestId('room')).toHaveAttribute('data-phase', 'joined', { timeout: 60_000 });
    const backMs = Date.now() - killedAt;
    expect(await gauge(nodeA, 'bandmate_rooms'), 'the room runs on A now').toBeGreaterThanOrEqual(1);
    // The same people (their rejoin tokens), the lock and the host role came along.
    expect(await peerId(ben.page, 'Ana')).toBe(ids.ana);
    expect(await peerId(ana.page, 'Ben')).toBe(ids.ben);
    await expect(ben.page.getByTestId('room-lock')).toHaveAttribute('data-locked', 'true');
    await expect(ana.page.getByRole('button', { name: 'Unlock room' })).toBeVisible();
    for (const [page, from, tones] of [
      [ana.page, ids.ben, TONES.ben],
      [ben.page, ids.ana, TONES.ana],
    ] as const) {
      await expectTones(page, from, tones);
      expect(await steadyLevel(page, from, 'left', 7)).toBeGreaterThan(expectedDb - 6);
    }
    console.log(`SFU node killed: both pages back in the room on the other node ${(backMs / 1000).toFixed(1)} s later (lease 15 s); tones checked by ${((Date.now() - killedAt) / 1000).toFixed(1)} s`);
  } finally {
    await nodeB.stop();
  }
});
