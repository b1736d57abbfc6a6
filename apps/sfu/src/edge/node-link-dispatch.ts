import type { Socket } from 'socket.io';
import type { Socket as ClientSocket } from 'socket.io-client';
import { nodeLinkRequests, SignalRequestError, type Ack, type NodeLinkRequestName, type NodeLinkRequestOf, type NodeLinkResponseOf } from '@bandmate/shared';
import type { Logger } from '../logger.ts';
import { ackedData, ackedRequest } from '../signalling/acked-request.ts';
import { answerRequest } from '../signalling/request-dispatch.ts';

const REQUEST_TIMEOUT_MS = 10_000;

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

/** Asks a linked node (the client side of the link): its answer checked against the protocol. */
export async function askNodeLink<N extends NodeLinkRequestName>(link: ClientSocket, name: N, payload: NodeLinkRequestOf<N>): Promise<NodeLinkResponseOf<N>> {
  const data = await ackedRequest(link, name, payload, REQUEST_TIMEOUT_MS, `the linked SFU node did not answer ${name}`);
  return checked(name, data);
}

/**
 * Asks with a deadline of the caller's, for a request whose answer holds something on the other
 * node (edgeListen: a listener there): an answer that comes after the caller gave up is handed to
 * `late`, which lets it go, instead of being dropped with what it holds.
 */
export function askNodeLinkWithin<N extends NodeLinkRequestName>(
  link: ClientSocket,
  name: N,
  payload: NodeLinkRequestOf<N>,
  timeoutMs: number,
  late: (answer: NodeLinkResponseOf<N>) => void,
): Promise<NodeLinkResponseOf<N>> {
  return new Promise((resolve, reject) => {
    let waiting = true;
    const timer = setTimeout(() => {
      waiting = false;
      reject(new SignalRequestError('unavailable', `the linked SFU node did not answer ${name} within ${timeoutMs} ms`));
    }, timeoutMs);
    link.emit(name, payload, (reply: Ack<unknown>) => {
      clearTimeout(timer);
      let answer: NodeLinkResponseOf<N>;
      try {
        answer = checked(name, ackedData(name, reply));
      } catch (err) {
        if (waiting) reject(err);
        return;
      }
      if (waiting) resolve(answer);
      else late(answer);
    });
  });
}

function checked<N extends NodeLinkRequestName>(name: N, data: unknown): NodeLinkResponseOf<N> {
  const parsed = nodeLinkRequests[name].response.safeParse(data);
  if (!parsed.success) throw new SignalRequestError('internal', `${name}: the linked SFU node answered outside the protocol`);
  return parsed.data as NodeLinkResponseOf<N>;
}
