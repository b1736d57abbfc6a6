import { io } from 'socket.io-client';
import { expect, test, TONES, toneWav } from '../support/fixtures.ts';
import { createRoomViaApi, expectTones, joinRoom, peerId, SFU_URL } from '../support/room.ts';

type Reply = { ok: boolean; error?: { code: string; message: string } };

test.skip(process.env.E2E_DATABASE === 'postgresql', 'signalling validation does not depend on the database; the SQLite pass runs it');

test('malformed and oversized signalling gets errors while the room keeps playing', async ({ launch }) => {
  const roomId = await createRoomViaApi('Robust');
  const ana = await launch({ wav: toneWav('ana') });
  const ben = await launch({ wav: toneWav('ben') });
  await joinRoom(ana.page, roomId, 'Ana');
  await joinRoom(ben.page, roomId, 'Ben');
  const benAtAna = await peerId(ana.page, 'Ben');
  await expectTones(ana.page, benAtAna, TONES.ben);

  const bad = io(SFU_URL, { transports: ['websocket'], reconnection: false, forceNew: true });
  await new Promise<void>((resolve) => bad.once('connect', () => resolve()));
  const ask = (event: string, payload: unknown) => bad.timeout(5000).emitWithAck(event, payload) as Promise<Reply>;

  const caps = (await ask('getRouterRtpCapabilities', { roomId })) as Reply & { data: { routerRtpCapabilities: unknown } };
  const replies = {
    garbage: await ask('join', 'not an object'),
    missing: await ask('join', { roomId }),
    oversized: await ask('join', { roomId, displayName: 'x'.repeat(20_000), role: 'musician', rtpCapabilities: {} }),
    unknown: await ask('becomeHost', { roomId }),
    outOfOrder: await ask('consume', { producerId: 'x' }),
  };
  expect(replies.garbage.error?.code).toBe('bad_request');
  expect(replies.missing.error?.code).toBe('bad_request');
  expect(replies.oversized.error?.code).toBe('too_large');
  expect(replies.unknown.error?.code).toBe('bad_request');
  expect(replies.outOfOrder.error?.code).toBe('not_joined');

  // Joined, then hostile: a produce with a bogus codec, a flood.
  const joined = await ask('join', { roomId, displayName: 'Mallory', role: 'musician', rtpCapabilities: caps.data.routerRtpCapabilities });
  expect(joined.ok).toBe(true);
  const transport = (await ask('createWebRtcTransport', { direction: 'send' })) as Reply & { data: { id: string } };
  const bogus = await ask('produce', {
    transportId: transport.data.id,
    kind: 'audio',
    source: 'mic',
    rtpParameters: { codecs: [{ mimeType: 'audio/x-nonsense', payloadType: 99, clockRate: 1 }], encodings: [{ ssrc: 1 }] },
  });
  expect(bogus.ok).toBe(false);
  const flood = await Promise.all(Array.from({ length: 120 }, () => ask('getRouterRtpCapabilities', { roomId })));
  expect(flood.filter((r) => r.error?.code === 'rate_limited').length).toBeGreaterThan(30);

  // Beyond socket.io's buffer limit the connection is dropped, not the server.
  const dropped = new Promise((resolve) => bad.once('disconnect', resolve));
  bad.emit('join', { blob: 'y'.repeat(400_000) });
  await dropped;

  // The musicians never stopped hearing each other, and the room still admits people.
  await expectTones(ana.page, benAtAna, TONES.ben);
  await expectTones(ben.page, await peerId(ben.page, 'Ana'), TONES.ana);
  await expect(ana.page.getByTestId('presence')).not.toContainText('Mallory');
  const cat = await launch();
  await joinRoom(cat.page, roomId, 'Cat', 'listener');
  await expectTones(cat.page, await peerId(cat.page, 'Ana'), TONES.ana);
});
