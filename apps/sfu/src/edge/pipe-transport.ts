import type { types } from 'mediasoup';
import type { RtcListenConfig } from '../rooms/room.ts';

/**
 * One end of a pipe between SFU nodes: UDP in the node's media port range, reached by the other
 * node at `pipeIp`, SRTP because the two nodes may talk over a network nobody vouches for.
 */
export function createPipeEnd(router: types.Router, rtc: RtcListenConfig, pipeIp: string): Promise<types.PipeTransport> {
  return router.createPipeTransport({
    listenInfo: { protocol: 'udp', ip: rtc.listenIp, announcedAddress: pipeIp, portRange: { min: rtc.minPort, max: rtc.maxPort } },
    enableSrtp: true,
  });
}
