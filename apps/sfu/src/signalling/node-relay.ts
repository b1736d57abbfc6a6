import { io as connectTo, type Socket as ClientSocket } from 'socket.io-client';
import { notifications, SIGNAL_REQUEST_TIMEOUT_MS, SignalRequestError, type NotificationName, type RequestName } from '@bandmate/shared';
import type { Logger } from '../logger.ts';
import { ackedRequest, NoAnswerError } from './acked-request.ts';
import type { SignalSocket } from './connection.ts';

/** How long the room's node has to answer the relay's handshake. */
const CONNECT_TIMEOUT_MS = 5000;
/**
 * How long a relayed request has, the handshake included, from when the browser's request reached
 * this node: under the page's own wait, so that the page hears that the room's node did not answer
 * (and joins again) instead of timing out with no reason, with time left for the answer to travel.
 */
export const RELAYED_ANSWER_MS = SIGNAL_REQUEST_TIMEOUT_MS - 2000;

export interface NodeRelayOptions {
  /** This node (named in the relay token). */
  nodeId: string;
  /** The browser's address, vouched for to the room's node (RoomAccess.relayHeaders). */
  address: string;
  relayHeaders: (nodeId: string, address: string) => Record<string, string>;
  logger: Logger;
}

/**
 * The signalling of one browser carried to the SFU node its room runs on, as LiveKit relays a
 * participant's signal connection to the room's node: the browser may reach any node (behind one
 * address, whichever the load balancer picked), its requests are checked here as usual and then
 * answered by the room's node over a socket this node opens there for it, and that node's events
 * come back the same way. Media does not pass through here: the transports are the room node's,
 * and the browser's ICE goes straight to it. The room's node sees the browser's cookie, origin and
 * (by a signed relay token) its address, so its admission, limits and the room's rules are the
 * same as for a browser connected to it.
 */
export class NodeRelay {
  private upstream: ClientSocket | undefined;
  /** We closed it (a leave, or the browser went away): not a failure of the room's node. */
  private closing = false;
  private target: string | undefined;

  constructor(
    private readonly browser: SignalSocket,
    private readonly options: NodeRelayOptions,
  ) {
    browser.once('disconnect', () => this.close());
  }

  get active(): boolean {
    return this.upstream !== undefined;
  }

  /** The room's node this connection is relayed to now. */
  get url(): string | undefined {
    return this.upstream ? this.target : undefined;
  }

  /** Connects to the room's node at `url` by `deadline`; refused with `unavailable` (try again) when it cannot be reached. */
  async open(url: string, deadline = Date.now() + RELAYED_ANSWER_MS): Promise<void> {
    // One room at a time, as for a connection's own joins.
    if (this.upstream) throw new SignalRequestError('already_joined', 'leave the current room first');
    const { headers } = this.browser.handshake;
    const extraHeaders: Record<string, string> = { ...this.options.relayHeaders(this.options.nodeId, this.options.address) };
    for (const name of ['cookie', 'origin', 'user-agent'] as const) {
      const value = headers[name];
      if (typeof value === 'string') extraHeaders[name] = value;
    }
    const timeout = Math.max(1, Math.min(CONNECT_TIMEOUT_MS, deadline - Date.now()));
    const upstream = connectTo(url, { transports: ['websocket'], reconnection: false, forceNew: true, timeout, extraHeaders });
    this.upstream = upstream;
    this.target = url;
    this.closing = false;
    try {
      await new Promise<void>((resolve, reject) => {
        upstream.once('connect', resolve);
        upstream.once('connect_error', reject);
      });
    } catch (err) {
      if (this.upstream === upstream) this.upstream = undefined;
      upstream.close();
      // The cause in one line: a dead node's refusals come every try of every page until its lease runs out.
      this.options.logger.warn({ reason: (err as Error).message, url }, 'relay: the room’s SFU node cannot be reached');
      throw new SignalRequestError('unavailable', 'the room runs on another SFU node, which cannot be reached now: try again in a moment');
    }
    // Only the protocol's events, each checked: the room's node is trusted, but a bug there must not reach the page unchecked.
    upstream.onAny((event: string, payload: unknown) => {
      const schema = notifications[event as NotificationName];
      if (!schema) return;
      const parsed = schema.safeParse(payload);
      if (!parsed.success) return void this.options.logger.warn({ event }, 'relay: a notification from the room’s node failed its schema');
      this.browser.emit(event as NotificationName, parsed.data as never);
      // The room's node ended the membership (the host's removal, a move): what this node holds for it goes.
      if (event === 'removed' || event === 'mediaRestart') this.onMembershipEnded?.();
    });
    upstream.once('disconnect', (reason) => {
      if (this.upstream !== upstream || this.closing) return;
      this.upstream = undefined;
      // The room's node went away (a crash, a stop): the page reconnects and joins again, and
      // then finds the room wherever it runs by then (taken over by a live node). The connection
      // is cut, not closed by a server's disconnect, which a socket.io client takes as final.
      this.options.logger.info({ reason, url }, 'relay: the room’s SFU node closed the connection; cutting the browser’s');
      this.browser.conn.close();
    });
  }

  /**
   * Sends one request (already checked here) and answers with the room's node's answer by
   * `deadline`. A room's node that does not answer in time is given up as a dead one would be:
   * the link to it closes, which ends there whatever membership it carries (a join answered late
   * leaves nobody behind), and a page that was in the room is told to join again.
   */
  async request(name: RequestName, payload: unknown, deadline = Date.now() + RELAYED_ANSWER_MS): Promise<unknown> {
    const upstream = this.upstream;
    if (!upstream) throw new SignalRequestError('unavailable', 'the connection to the room’s SFU node closed: join again');
    try {
      return await ackedRequest(upstream, name, payload, Math.max(1, deadline - Date.now()), `the room’s SFU node did not answer ${name} in time: join again`);
    } catch (err) {
      if (err instanceof NoAnswerError && this.upstream === upstream) this.giveUp(name);
      throw err;
    }
  }

  private giveUp(name: RequestName): void {
    this.options.logger.warn({ url: this.target, request: name }, 'relay: the room’s SFU node did not answer in time; ending the relayed membership');
    this.close();
    this.onMembershipEnded?.();
    // A join or a leave is answered with the error itself; a page in the room learns it is out.
    if (name !== 'join' && name !== 'leave') this.browser.emit('mediaRestart', { reason: 'the room’s SFU node did not answer: joining again' });
  }

  /** Told when the room's node ends the page's membership itself (not by the page's leave). */
  onMembershipEnded?: () => void;

  close(): void {
    const upstream = this.upstream;
    this.upstream = undefined;
    if (!upstream) return;
    this.closing = true;
    upstream.removeAllListeners();
    upstream.close();
  }
}
