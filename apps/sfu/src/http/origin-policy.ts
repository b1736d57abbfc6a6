import type { IncomingMessage } from 'node:http';
import { readCookie, SESSION_COOKIE } from '../auth/sessions.ts';

/** What of a request (HTTP, or socket.io's handshake) the policy reads. */
type RequestHead = Pick<IncomingMessage, 'method' | 'headers'>;

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * Which pages may use the SFU with the visitor's session: the web app's own origins, nobody else.
 *
 * - An Origin header that is not one of them (another site, or `null` from a sandboxed frame or a
 *   redirect) is refused on every request and on the signalling handshake.
 * - Without an Origin header a request comes from a non-browser client (browsers send one with
 *   every cross-origin request, every POST and every WebSocket handshake): GET and HEAD pass, and
 *   so does a state-changing request that carries no session cookie (it acts as nobody). A
 *   state-changing request with the session cookie must name an allowed Origin.
 */
export class OriginPolicy {
  private readonly allowed: ReadonlySet<string>;

  constructor(origins: readonly string[]) {
    this.allowed = new Set(origins);
  }

  allows(origin: string): boolean {
    return this.allowed.has(origin);
  }

  /** Why this request is refused; undefined when it may go on. */
  refusal(req: RequestHead): string | undefined {
    const origin = req.headers.origin;
    if (origin !== undefined) {
      return this.allows(origin) ? undefined : `requests from ${JSON.stringify(origin).slice(0, 120)} are not accepted (SFU_CORS_ORIGINS)`;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    if (SAFE_METHODS.has(method) || readCookie(req.headers.cookie, SESSION_COOKIE) === undefined) return undefined;
    return `${method} with a session cookie needs an Origin header of the web app`;
  }
}
