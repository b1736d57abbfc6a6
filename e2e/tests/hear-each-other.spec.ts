import { expect, startBand, test, TONE_AMPLITUDE, TONES } from '../support/fixtures.ts';
import { expectTones, peerId, steadyLevel } from '../support/room.ts';
import { sineRmsDb } from '../support/wav.ts';

const expectedDb = sineRmsDb(TONE_AMPLITUDE);

// Playback only (joins are covered on PostgreSQL by the other specs): the SQLite pass runs it, keeping CI short.
test.skip(process.env.E2E_DATABASE === 'postgresql', 'playback does not depend on the database; the SQLite pass runs it');

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
    await expectTones(page, id, tones);
    // Median of several reads: one read can land on a concealed packet on a loaded machine.
    for (const channel of ['left', 'right'] as const) {
      const level = await steadyLevel(page, id, channel, 7);
      expect(level, `level of ${from} (${channel})`).toBeGreaterThan(expectedDb - 6);
      expect(level, `level of ${from} (${channel})`).toBeLessThan(expectedDb + 3);
    }
  }

  // On the wire: Opus stereo in 10 ms packets (~100 packets/s).
  const benId = await peerId(ana.page, 'Ben');
  const rtp = () => ana.page.evaluate((id) => window.__bandmate!.inboundRtp(id), benId);
  const first = await rtp();
  await ana.page.waitForTimeout(3000);
  const second = await rtp();
  const packets = Number(second.inbound!.packetsReceived) - Number(first.inbound!.packetsReceived);
  const seconds = (Number(second.inbound!.timestamp) - Number(first.inbound!.timestamp)) / 1000;
  expect(packets / seconds).toBeGreaterThan(85);
  expect(packets / seconds).toBeLessThan(115);
  expect(String(second.codec!.mimeType).toLowerCase()).toBe('audio/opus');
  expect(second.codec!.channels).toBe(2);
  // The sender's negotiated encoder settings: stereo, no DTX, no in-band FEC, ≥ 128 kbit/s
  // (10 ms packets are an a=ptime line, not fmtp: the packet rate above shows them).
  const sent = await ben.page.evaluate(() => window.__bandmate!.outboundRtp());
  const fmtp = Object.fromEntries(
    String(sent.codec!.sdpFmtpLine)
      .split(';')
      .map((kv) => kv.split('=') as [string, string]),
  );
  console.log(`received ${(packets / seconds).toFixed(1)} packets/s; sender fmtp ${sent.codec!.sdpFmtpLine}`);
  expect(fmtp.stereo).toBe('1');
  expect(fmtp.usedtx).toBe('0');
  expect(fmtp.useinbandfec).toBe('0');
  expect(Number(fmtp.maxaveragebitrate)).toBeGreaterThanOrEqual(128000);

  // Presence: everyone sees everyone.
  for (const [page, names] of [
    [ana.page, ['Ben', 'Cat']],
    [cat.page, ['Ana', 'Ben']],
  ] as const) {
    for (const name of names) await expect(page.getByTestId('presence')).toContainText(name);
  }
  await expect(cat.page.getByTestId('presence')).toContainText('Cat (you)');
});
