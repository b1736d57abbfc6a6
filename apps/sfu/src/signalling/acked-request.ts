import type { Socket as ClientSocket } from 'socket.io-client';
import { SignalRequestError, type Ack } from '@bandmate/shared';

/** The other node did not answer in time (as opposed to answering with a refusal). */
export class NoAnswerError extends SignalRequestError {
  constructor(message: string) {
    super('unavailable', message);
  }
}

/**
 * One request to another SFU node over socket.io, answered through its ack (a relayed browser's
 * request, an edge's pipe request): the answer's data, or its error as a SignalRequestError, so the
 * caller answers its own client as if the request had been its own. No answer in time is
 * `unavailable` (NoAnswerError, `noAnswer` says what to do), a malformed one `internal`.
 */
export async function ackedRequest(socket: ClientSocket, name: string, payload: unknown, timeoutMs: number, noAnswer: string): Promise<unknown> {
  let reply: Ack<unknown>;
  try {
    reply = (await socket.timeout(timeoutMs).emitWithAck(name, payload)) as Ack<unknown>;
  } catch {
    throw new NoAnswerError(noAnswer);
  }
  return ackedData(name, reply);
}

/** An ack's data, or its error as a SignalRequestError (also for answers taken without ackedRequest's timeout). */
export function ackedData(name: string, reply: Ack<unknown> | undefined): unknown {
  if (!reply || typeof reply !== 'object') throw new SignalRequestError('internal', `${name}: the room’s SFU node answered nothing`);
  if (reply.ok) return reply.data;
  throw new SignalRequestError(reply.error?.code ?? 'internal', reply.error?.message ?? `${name}: no answer`);
}
