import { io } from 'socket.io-client';
import { expect, TONE_AMPLITUDE, TONES, test, toneWav } from '../support/fixtures.ts';
import { createRoomViaApi, expectTones, joinRoom, peerId, steadyLevel } from '../support/room.ts';
import { gauge, sendSignallingTo, startSecondNode } from '../support/second-node.ts';
import { sineRmsDb } from '../support/wav.ts';

const expectedDb = sineRmsDb(TONE_AMPLITUDE);
const nodeA = process.env.E2E_SFU_URL!;

test('two SFU nodes on one database: a musician whose page reaches the other node plays in the room with one on the room’s node, and they hear each other; a listener there is served by that node from a pipe, and one whose page reached the busy room’s node is placed on the other', async ({ launch, baseURL }) => {
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
    expect(await gauge(nodeB.url, 'bandmate_rooms')).toBe(0);
    expect(await gauge(nodeB.url, 'bandmate_relayed_connections')).toBe(1);
    expect(await gauge(nodeA, 'bandmate_rooms')).toBeGreaterThanOrEqual(1);

    // On PostgreSQL the nodes share a bus: a lobby page whose live feed reached node B follows the
    // head count of the room on A as Cat comes and goes, never reloaded.
    const onBus = process.env.E2E_DATABASE === 'postgresql';
    const lobby = onBus ? await launch() : undefined;
    const listed = lobby?.page.getByRole('link', { name: /Across nodes/ });
    if (lobby && listed) {
      const feed = await sendSignallingTo(lobby.page.context(), nodeB, new URL(baseURL!).origin);
      await lobby.page.goto('/');
      await expect(listed).toContainText('2/');
      await expect.poll(() => feed.frames(), { message: 'the lobby’s feed is connected to node B' }).toBeGreaterThan(0);
    }

    // Listeners placed on purpose: with Dee listening too, A forwards to 4 people (Ana, Ben, Dee,
    // and Eve as she joins) and B to none, so Eve, whose page reached A, has her media served by B
    // (the default margin, 4), piped from A; she stays a member of the room on A.
    const dee = io(nodeA, { transports: ['websocket'], reconnection: false, forceNew: true });
    try {
      await new Promise<void>((resolve) => dee.once('connect', () => resolve()));
      const { data: caps } = (await dee.timeout(5000).emitWithAck('getRouterRtpCapabilities', { roomId })) as { data: { routerRtpCapabilities: unknown } };
      const deeJoined = (await dee.timeout(5000).emitWithAck('join', { roomId, displayName: 'Dee', role: 'listener', rtpCapabilities: caps.routerRtpCapabilities })) as { ok: boolean };
      expect(deeJoined.ok, 'Dee joined at A').toBe(true);
      const eve = await launch();
      await joinRoom(eve.page, roomId, 'Eve', 'listener');
      for (const [from, tones] of [['Ana', TONES.ana], ['Ben', TONES.ben]] as const) {
        const id = await peerId(eve.page, from);
        await expectTones(eve.page, id, tones);
        expect(await steadyLevel(eve.page, id, 'left', 7), `level of ${from} at Eve, served by node B`).toBeGreaterThan(expectedDb - 6);
      }
      expect(await gauge(nodeA, 'bandmate_placed_listeners'), 'Eve placed on B by A').toBe(1);
      expect(await gauge(nodeB.url, 'bandmate_edge_listeners')).toBe(1);
      expect(await gauge(nodeB.url, 'bandmate_edge_consumers'), 'streams B forwards to Eve').toBe(2);
      expect(await gauge(nodeA, 'bandmate_pipes'), 'pipes from A').toBe(1);
      await expect(ana.page.getByTestId('presence')).toContainText('Eve');
      await eve.page.getByRole('button', { name: 'Leave' }).click();
      await expect.poll(() => gauge(nodeB.url, 'bandmate_edge_listeners')).toBe(0);
      await expect.poll(() => gauge(nodeA, 'bandmate_pipes')).toBe(0);
      expect(await gauge(nodeA, 'bandmate_placed_listeners')).toBe(0);
    } finally {
      dee.close();
    }

    // A listener who reached node B is served there: the room's two streams are piped to B once
    // and B forwards them to Cat (a lesson's audience spread over nodes, its room on one).
    const cat = await launch();
    await sendSignallingTo(cat.page.context(), nodeB, new URL(baseURL!).origin);
    await joinRoom(cat.page, roomId, 'Cat', 'listener');
    for (const [from, tones] of [['Ana', TONES.ana], ['Ben', TONES.ben]] as const) {
      const id = await peerId(cat.page, from);
      await expectTones(cat.page, id, tones);
      expect(await steadyLevel(cat.page, id, 'left', 7), `level of ${from} at Cat, through node B`).toBeGreaterThan(expectedDb - 6);
    }
    await expect(ana.page.getByTestId('presence')).toContainText('Cat');
    if (listed) await expect(listed, 'the lobby on B heard Cat join the room on A').toContainText('3/');
    expect(await gauge(nodeB.url, 'bandmate_edge_rooms'), 'rooms piped to B').toBe(1);
    expect(await gauge(nodeB.url, 'bandmate_edge_listeners')).toBe(1);
    expect(await gauge(nodeB.url, 'bandmate_edge_streams'), 'streams piped to B').toBe(2);
    expect(await gauge(nodeB.url, 'bandmate_edge_consumers'), 'streams B forwards to Cat').toBe(2);
    expect(await gauge(nodeA, 'bandmate_pipes'), 'pipes from A').toBe(1);
    // Cat leaves: the pipe goes with the last listener B served.
    await cat.page.getByRole('button', { name: 'Leave' }).click();
    await expect.poll(() => gauge(nodeB.url, 'bandmate_edge_rooms')).toBe(0);
    await expect.poll(() => gauge(nodeA, 'bandmate_pipes')).toBe(0);
    await expect(ana.page.getByTestId('presence')).not.toContainText('Cat');
    if (listed) await expect(listed, 'the lobby on B heard Cat leave').toContainText('2/');
  } finally {
    await nodeB.stop();
  }
});
