import type { types } from 'mediasoup';
import { SignalRequestError } from '@bandmate/shared';
import type { RtcListenConfig } from '../rooms/room.ts';
import { withClientInput } from '../signalling/client-input.ts';

/** A browser's WebRTC transport on `router`: UDP preferred, TCP where UDP is blocked. */
export function createBrowserTransport(router: types.Router, rtc: RtcListenConfig): Promise<types.WebRtcTransport> {
  const listenInfo = { ip: rtc.listenIp, announcedAddress: rtc.announcedAddress, portRange: { min: rtc.minPort, max: rtc.maxPort } };
  return router.createWebRtcTransport({
    listenInfos: [
      { protocol: 'udp', ...listenInfo },
      { protocol: 'tcp', ...listenInfo },
    ],
    enableUdp: true,
    enableTcp: true,
    preferUdp: true,
    // Audio only: a few streams of ~160 kbit/s each.
    initialAvailableOutgoingBitrate: 2_000_000,
  });
}

/** What the page needs of a transport (the createWebRtcTransport answer). */
export function transportOptions(t: types.WebRtcTransport) {
  return {
    id: t.id,
    iceParameters: t.iceParameters as unknown as Record<string, unknown>,
    iceCandidates: t.iceCandidates as unknown as Record<string, unknown>[],
    dtlsParameters: t.dtlsParameters as unknown as Record<string, unknown>,
  };
}

/** The page's DTLS parameters for `transport`: once (mediasoup takes one connect; a second is the client's mistake). */
export async function connectOnce(transport: types.WebRtcTransport, dtlsParameters: unknown): Promise<void> {
  if (transport.appData.connectCalled) throw new SignalRequestError('bad_request', 'this transport is connected already');
  transport.appData.connectCalled = true;
  try {
    await withClientInput('DTLS parameters', () => transport.connect({ dtlsParameters: dtlsParameters as types.DtlsParameters }));
  } catch (err) {
    transport.appData.connectCalled = false;
    throw err;
  }
}
