import { errors as mediasoupErrors } from 'mediasoup';
import { SignalRequestError } from '@bandmate/shared';

/**
 * Runs a mediasoup call on what a client sent (DTLS or RTP parameters, capabilities). mediasoup
 * refuses what it cannot use with a TypeError or an UnsupportedError: the client's fault, answered
 * `bad_request`. Only here: a TypeError anywhere else is a bug of ours and goes out as `internal`.
 */
export async function withClientInput<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof TypeError || err instanceof mediasoupErrors.UnsupportedError) {
      throw new SignalRequestError('bad_request', `${what}: ${err.message}`);
    }
    throw err;
  }
}
