import type { Socket } from 'socket.io';
import { nodeLinkRequests, type Ack, type NodeLinkRequestName, type NodeLinkRequestOf, type NodeLinkResponseOf } from '@bandmate/shared';
import type { Logger } from '../logger.ts';
import { answerRequest } from '../signalling/request-dispatch.ts';

export type NodeLinkHandlers = {
  [N in NodeLinkRequestName]: (request: NodeLinkRequestOf<N>) => Promise<NodeLinkResponseOf<N>>;
};

/**
 * Answers a linked node's requests as a browser's are answered (answerRequest: size bound, schema,
 * typed errors), without the rate limit. The other node is trusted, but one of its bugs must not
 * take this one down.
 */
export function answerNodeLink(socket: Socket, logger: Logger, handlers: NodeLinkHandlers): void {
  for (const name of Object.keys(nodeLinkRequests) as NodeLinkRequestName[]) {
    socket.on(name, (payload: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return;
      const handler = handlers[name] as (r: unknown) => Promise<unknown>;
      void answerRequest(name, nodeLinkRequests[name].request, payload, handler, logger, 'on the room’s node').then((reply) => (ack as (r: Ack<unknown>) => void)(reply));
    });
  }
}
