import { io as connectTo, type Socket as ClientSocket } from 'socket.io-client';
import {
  EDGE_MEDIA_REQUESTS,
  nodeLinkNotifications,
  requests,
  SignalRequestError,
  type EdgeMediaRequest,
  type NodeLinkNotificationName,
  type RequestName,
  type RequestOf,
} from '@bandmate/shared';
import type { Logger } from '../logger.ts';
import { isListenerMedia, type ListenerPage } from './edge-listener.ts';
import { askNodeLink, askNodeLinkWithin } from './node-link-dispatch.ts';

const CONNECT_TIMEOUT_MS = 3000;
/**
 * How long an edge has to take a listener before this node serves them itself: under the page's
 * 10 s for its join, so that the fallback reaches the page. A loaded edge takes a few hundred ms
 * (two nodes and five browsers on two cores); the edges once seen to take over 7 s were waiting
 * for a link 'connect' they had missed (edge-room.ts).
 */
const LISTEN_TIMEOUT_MS = 5000;
/** A node that failed to take a listener is passed over this long (it may be dying, its lease not out yet). */
const AVOID_MS = 30_000;
/** A node set to take no listeners of other nodes (SFU_EDGE_LISTENERS=false) is asked again after this (its setting may change with a restart). */
const REFUSING_AVOID_MS = 10 * 60_000;

export interface EdgePlacementOptions {
  nodeId: string;
  /** Where the edges pipe this node's rooms from (SFU_NODE_URL). */
  nodeUrl: string;
  /** The live SFU nodes with the load each recorded at its last heartbeat, and when. */
  liveNodes: () => Promise<Array<{ id: string; url: string | null; peers: number; heartbeatAt: Date }>>;
  /** This node's forwarding load now (the same figure its heartbeat records). */
  ownLoad: () => number;
  /** Place a listener on another node only when it is at least this much less loaded (SFU_PLACEMENT_MARGIN). */
  margin: number;
  linkToken: () => string;
  logger: Logger;
  /** LISTEN_TIMEOUT_MS unless a test shortens it. */
  listenTimeoutMs?: number;
  /** AVOID_MS and REFUSING_AVOID_MS unless a test shortens them. */
  avoidMs?: { failed: number; refusing: number };
}

/**
 * Listeners of this node's rooms placed on other nodes on purpose (a lesson's audience fanned out,
 * its musicians on the room's node): a listener joining a room here is served by the least loaded
 * live node when that one carries at least `margin` fewer streams' worth of people than this one
 * (the rule that places rooms). That node (the edge) pipes the room from here, once per room, and
 * serves the listener's receive transport and consumers; this node keeps the listener's membership
 * and signalling and carries their media requests to the edge over a node link. The page sees only
 * that its receive transport's ICE candidates are the edge's.
 */
export class EdgePlacement {
  private readonly links = new Map<string, Promise<ClientSocket>>();
  private readonly placed = new Set<PlacedListener>();
  private readonly avoidUntil = new Map<string, number>();

  constructor(private readonly options: EdgePlacementOptions) {}

  /** Listeners of this node's rooms served elsewhere now. */
  get count(): number {
    return this.placed.size;
  }

  /** Places a listener who joined `roomId` here on an edge, or null: this node serves them. */
  async place(roomId: string, rtpCapabilities: RequestOf<'join'>['rtpCapabilities'], page: ListenerPage, lost: (reason: string) => void): Promise<PlacedListener | null> {
    const node = await this.pick();
    if (!node) return null;
    const started = performance.now();
    try {
      const link = await this.link(node.url);
      const linked = Math.round(performance.now() - started);
      const request = { roomId, homeUrl: this.options.nodeUrl, rtpCapabilities };
      // The edge took them after all, too late: it lets their media go.
      const late = ({ listenerId }: { listenerId: string }) => void askNodeLink(link, 'edgeUnlisten', { listenerId }).catch(() => undefined);
      const { listenerId } = await askNodeLinkWithin(link, 'edgeListen', request, this.options.listenTimeoutMs ?? LISTEN_TIMEOUT_MS, late);
      const listener: PlacedListener = new PlacedListener(node.id, listenerId, link, page, (reason) => {
        this.placed.delete(listener);
        if (reason) lost(reason);
      });
      this.placed.add(listener);
      this.options.logger.info({ roomId, edge: node.id, ms: { link: linked, placed: Math.round(performance.now() - started) } }, 'a listener placed on an edge node');
      return listener;
    } catch (err) {
      const refuses = err instanceof SignalRequestError && err.code === 'forbidden';
      const avoid = this.options.avoidMs ?? { failed: AVOID_MS, refusing: REFUSING_AVOID_MS };
      this.avoidUntil.set(node.id, Date.now() + (refuses ? avoid.refusing : avoid.failed));
      if (refuses) {
        this.options.logger.info({ edge: node.id }, 'an SFU node takes no listeners of other nodes (SFU_EDGE_LISTENERS=false); passed over for 10 min');
        return null;
      }
      this.options.logger.warn({ err: (err as Error).message, edge: node.id, roomId, ms: Math.round(performance.now() - started) }, 'could not place a listener on an edge node; served here');
      return null;
    }
  }

  private async pick(): Promise<{ id: string; url: string } | null> {
    const nodes = await this.options.liveNodes().catch(() => []);
    const own = this.options.ownLoad();
    const now = Date.now();
    let best: { id: string; url: string; load: number } | null = null;
    for (const node of nodes) {
      if (node.id === this.options.nodeId || !node.url || (this.avoidUntil.get(node.id) ?? 0) > now) continue;
      // Its recorded load lags by up to a heartbeat: what this node placed there since counts too
      // (those placed before it are in it already).
      const since = node.heartbeatAt.getTime();
      const load = node.peers + [...this.placed].filter((l) => l.nodeId === node.id && l.placedAt > since).length;
      if (!best || load < best.load) best = { id: node.id, url: node.url, load };
    }
    return best && own - best.load >= this.options.margin ? best : null;
  }

  /** One link per edge node, shared by its placed listeners; made again after it drops. */
  private link(url: string): Promise<ClientSocket> {
    const open = this.links.get(url);
    if (open) return open;
    const opening = new Promise<ClientSocket>((resolve, reject) => {
      const socket = connectTo(`${url.replace(/\/$/, '')}/nodes`, {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        timeout: CONNECT_TIMEOUT_MS,
        auth: { token: this.options.linkToken() },
      });
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', (err) => {
        socket.close();
        reject(err);
      });
      socket.on('disconnect', () => {
        if (this.links.get(url) === opening) this.links.delete(url);
        for (const listener of [...this.placed]) if (listener.link === socket) listener.lost('the link to the edge node closed');
      });
      socket.onAny((event: string, payload: unknown) => {
        const parsed = nodeLinkNotifications[event as NodeLinkNotificationName]?.safeParse(payload);
        if (!parsed?.success) return void this.options.logger.warn({ event }, 'placement: a notification from an edge node failed its schema');
        const data = parsed.data as { listenerId?: string; consumerId?: string; producerId?: string; reason?: string };
        const listener = [...this.placed].find((l) => l.link === socket && l.listenerId === data.listenerId);
        if (event === 'edgeConsumerClosed') listener?.consumerClosed(data.consumerId!, data.producerId!);
        else if (event === 'edgeListenerClosed') listener?.lost(data.reason ?? 'the edge node ended it');
      });
    });
    this.links.set(url, opening);
    opening.catch(() => {
      if (this.links.get(url) === opening) this.links.delete(url);
    });
    return opening;
  }

  close(): void {
    for (const listener of [...this.placed]) listener.close();
    for (const link of this.links.values()) void link.then((s) => s.close(), () => undefined);
    this.links.clear();
  }
}

/** A listener of a room here whose receive media an edge node serves (EdgePlacement). */
export class PlacedListener {
  /** When the edge took them (its heartbeats after this count them). */
  readonly placedAt = Date.now();
  private transportId: string | undefined;
  private readonly consumers = new Set<string>();
  private ended = false;

  constructor(
    readonly nodeId: string,
    readonly listenerId: string,
    readonly link: ClientSocket,
    private readonly page: ListenerPage,
    private readonly onEnd: (lostReason?: string) => void,
  ) {}

  serves(name: RequestName, request: unknown): boolean {
    return !this.ended && isListenerMedia(name, request, this.transportId, (id) => this.consumers.has(id));
  }

  async handle(name: RequestName, request: unknown): Promise<unknown> {
    if (!(EDGE_MEDIA_REQUESTS as readonly string[]).includes(name)) throw new SignalRequestError('internal', `${name} is not served at the edge`);
    const data = await askNodeLink(this.link, 'edgeMedia', { listenerId: this.listenerId, name: name as EdgeMediaRequest, payload: request });
    // Handed to the page as this node's own answer: it must be one.
    const reply = requests[name].response.safeParse(data);
    if (!reply.success) throw new SignalRequestError('internal', `${name}: the edge node answered outside the protocol`);
    const answer = reply.data as { id?: string; consumerId?: string };
    if (name === 'createWebRtcTransport') this.transportId = answer.id;
    if (name === 'consume' && answer.consumerId) this.consumers.add(answer.consumerId);
    return reply.data;
  }

  consumerClosed(consumerId: string, producerId: string): void {
    if (this.consumers.delete(consumerId)) this.page.emit('consumerClosed', { consumerId, producerId });
  }

  /** The edge ended this listener's media (its pipe closed, the link dropped): their page must join again. */
  lost(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd(reason);
  }

  /** The listener left (or the page went away): the edge lets their media go. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    void askNodeLink(this.link, 'edgeUnlisten', { listenerId: this.listenerId }).catch(() => undefined);
    this.onEnd();
  }
}
