import {
  describeZodError,
  jsonByteLength,
  LIMITS,
  requests,
  SignalRequestError,
  type Ack,
  type RequestName,
  type RequestOf,
  type ResponseOf,
  type SignalError,
} from '@bandmate/shared';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../db/unavailable.ts';
import type { Logger } from '../logger.ts';
import type { RateLimiter } from './rate-limiter.ts';

export type RequestHandlers = {
  [N in RequestName]: (request: RequestOf<N>) => Promise<ResponseOf<N>>;
};

interface AckSocket {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  onAny(listener: (event: string, ...args: unknown[]) => void): unknown;
}

/**
 * Wires every request of the protocol to its handler behind the same gate:
 * rate limit, size bound, schema. A bad message is answered with an error and
 * never reaches the room.
 */
export function dispatchRequests(socket: AckSocket, handlers: RequestHandlers, limiter: RateLimiter, logger: Logger, onError?: (code: SignalError['code']) => void) {
  const names = Object.keys(requests) as RequestName[];
  for (const name of names) {
    socket.on(name, (payload: unknown, ack: unknown) => {
      if (typeof ack !== 'function') {
        logger.debug({ event: name }, 'request without acknowledgement ignored');
        return;
      }
      const reply = ack as (r: Ack<unknown>) => void;
      void answer(name, payload, handlers, limiter, logger).then((r) => {
        if (!r.ok) onError?.(r.error.code);
        reply(r);
      });
    });
  }
  socket.onAny((event: string, ...args: unknown[]) => {
    if ((names as string[]).includes(event)) return;
    const ack = args.at(-1);
    if (typeof ack === 'function') {
      ack({ ok: false, error: { code: 'bad_request', message: `unknown request "${event.slice(0, 64)}"` } });
    }
  });
}

async function answer<N extends RequestName>(
  name: N,
  payload: unknown,
  handlers: RequestHandlers,
  limiter: RateLimiter,
  logger: Logger,
): Promise<Ack<ResponseOf<N>>> {
  const fail = (error: SignalError): Ack<ResponseOf<N>> => ({ ok: false, error });
  if (!limiter.take()) return fail({ code: 'rate_limited', message: 'too many requests; slow down' });
  const size = jsonByteLength(payload);
  if (size > LIMITS.maxMessageBytes) {
    return fail({ code: 'too_large', message: `message of ${size} bytes exceeds ${LIMITS.maxMessageBytes}` });
  }
  const parsed = requests[name].request.safeParse(payload);
  if (!parsed.success) return fail({ code: 'bad_request', message: `${name}: ${describeZodError(parsed.error)}` });
  try {
    const handler = handlers[name] as (r: RequestOf<N>) => Promise<ResponseOf<N>>;
    return { ok: true, data: await handler(parsed.data as RequestOf<N>) };
  } catch (err) {
    if (err instanceof SignalRequestError) return fail({ code: err.code, message: err.message });
    // An outage, not a bug of ours: a warning, and a code the client can wait and retry on.
    if (isDatabaseUnavailable(err)) {
      logger.warn({ err, event: name }, 'request failed: the database is unavailable');
      return fail({ code: 'unavailable', message: DATABASE_UNAVAILABLE_MESSAGE });
    }
    // Anything else is a fault of the server's (what mediasoup refuses of a client's input became a
    // bad_request where the call was made, withClientInput): logged, and no internals to the client.
    logger.error({ err, event: name }, 'request failed');
    return fail({ code: 'internal', message: `${name} failed on the server` });
  }
}
