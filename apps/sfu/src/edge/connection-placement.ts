import type { RequestName, RequestOf } from '@bandmate/shared';
import type { Logger } from '../logger.ts';
import type { SignalSocket } from '../signalling/connection.ts';
import type { EdgePlacement, PlacedListener } from './edge-placement.ts';

/** One browser connection's media while, as a listener of a room here, an edge node serves it. */
export interface ConnectionPlacement {
  /** A join here succeeded: a listener may be placed on an edge from now on. */
  joined(request: RequestOf<'join'>): Promise<void>;
  /** Whether the edge answers `name` (the listener's receive media). */
  serves(name: RequestName, request: unknown): boolean;
  handle(name: RequestName, request: unknown): Promise<unknown>;
  /** The membership ends (a leave, a new join, the socket gone): the edge lets the media go. */
  close(): void;
}

/**
 * `leave` ends the membership here: when the edge loses the listener's media (it died, its pipe
 * closed) the page is told to join again (`mediaRestart`), as when a room moves, and its join
 * places it again (the failed node passed over) or serves it here.
 */
export function connectionPlacement(page: SignalSocket, placement: EdgePlacement, leave: () => Promise<unknown>, logger: Logger): ConnectionPlacement {
  let listener: PlacedListener | null = null;
  return {
    async joined(request) {
      if (request.role !== 'listener') return;
      const placed = await placement.place(request.roomId, request.rtpCapabilities, page, (reason) => {
        if (listener !== placed) return;
        listener = null;
        logger.warn({ reason, roomId: request.roomId }, 'a placed listener’s media ended at the edge; their page joins again');
        void leave().finally(() => page.emit('mediaRestart', { reason: `the SFU node serving your audio stopped (${reason}); joining again` }));
      });
      listener = placed;
    },
    serves: (name, request) => listener?.serves(name, request) ?? false,
    handle: (name, request) => listener!.handle(name, request),
    close() {
      listener?.close();
      listener = null;
    },
  };
}
