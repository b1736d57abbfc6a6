import type { Socket } from 'socket.io';
import {
  describeZodError,
  jsonByteLength,
  LIMITS,
  nodeLinkRequests,
  SignalRequestError,
  type Ack,
  type NodeLinkRequestName,
  type NodeLinkRequestOf,
  type NodeLinkResponseOf,
} from '@bandmate/shared';
import type { Logger } from '../logger.ts';

export type NodeLinkHandlers = {
  [N in NodeLinkRequestName]: (request: NodeLinkRequestOf<N>) => Promise<NodeLinkResponseOf<N>>;
};

/**
 * Answers a linked node's requests as a browser's are answered (request-dispatch.ts): size bound,
 * schema, typed errors. The other node is trusted, but one of its bugs must not take this one down.
 */
export function answerNodeLink(socket: Socket, logger: Logger, handlers: NodeLinkHandlers): void {
  for (const name of Object.keys(nodeLinkRequests) as NodeLinkRequestName[]) {
    socket.on(name, (payload: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return;
      void answer(name, payload, handlers, logger).then((reply) => (ack as (r: Ack<unknown>) => void)(reply));
    });
  }
}

async function answer<N extends NodeLinkRequestName>(name: N, payload: unknown, handlers: NodeLinkHandlers, logger: Logger): Promise<Ack<unknown>> {
  const size = jsonByteLength(payload);
  if (size > LIMITS.maxMessageBytes) return { ok: false, error: { code: 'too_large', message: `message of ${size} bytes exceeds ${LIMITS.maxMessageBytes}` } };
  const parsed = nodeLinkRequests[name].request.safeParse(payload);
  if (!parsed.success) return { ok: false, error: { code: 'bad_request', message: `${name}: ${describeZodError(parsed.error)}` } };
  try {
    const handler = handlers[name] as (r: NodeLinkRequestOf<N>) => Promise<NodeLinkResponseOf<N>>;
    return { ok: true, data: await handler(parsed.data as NodeLinkRequestOf<N>) };
  } catch (err) {
    if (err instanceof SignalRequestError) return { ok: false, error: { code: err.code, message: err.message } };
    logger.error({ err, event: name }, 'node link request failed');
    return { ok: false, error: { code: 'internal', message: `${name} failed on the room’s node` } };
  }
}
