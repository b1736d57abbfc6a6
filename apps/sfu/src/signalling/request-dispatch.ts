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
import type { z } from 'zod';
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
  if (!limiter.take()) return { ok: false, error: { code: 'rate_limited', message: 'too many requests; slow down' } };
  return answerRequest(name, requests[name].request, payload, handlers[name] as (r: unknown) => Promise<ResponseOf<N>>, logger);
}

/**
 * One request's answer, for a browser's and a linked node's alike: size bound, schema, then the
 * handler, whose failures come back typed. `where` names the server in an `internal` error.
 */
export async function answerRequest<S extends z.ZodType, Res>(
  name: string,
  schema: S,
  payload: unknown,
  handler: (request: z.output<S>) => Promise<Res>,
  logger: Logger,
  where = 'on the server',
): Promise<Ack<Res>> {
  const fail = (error: SignalError): Ack<Res> => ({ ok: false, error });
  const size = jsonByteLength(payload);
  if (size > LIMITS.maxMessageBytes) {
    return fail({ code: 'too_large', message: `message of ${size} bytes exceeds ${LIMITS.maxMessageBytes}` });
  }
  const parsed = schema.safeParse(payload);
  if (!parsed.success) return fail({ code: 'bad_request', message: `${name}: ${describeZodError(parsed.error)}` });
  try {
    return { ok: true, data: await handler(parsed.data) };
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
    return fail({ code: 'internal', message: `${name} failed ${where}` });
  }
}
