import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RoomVisibility } from '../db/types.ts';
import {
  createRoomRequestSchema,
  describeZodError,
  httpStatusOf,
  LIMITS,
  type ErrorCode,
  type RoomSummary,
} from '@bandmate/shared';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../db/unavailable.ts';
import { loggableUrl, type Logger } from '../logger.ts';
import type { OriginPolicy } from './origin-policy.ts';

export interface StoredRoom {
  id: string;
  name: string;
  status: string;
  createdAt: Date;
  maxParticipants?: number | null;
  visibility?: RoomVisibility;
}

export interface RoomDirectory {
  createRoom(input: { name: string; visibility?: RoomVisibility; ownerId?: string | null }): Promise<StoredRoom>;
  getRoom(id: string): Promise<StoredRoom | null>;
  listOpenRooms(opts?: { limit?: number; activeSince?: Date }): Promise<StoredRoom[]>;
  /** People inside rooms by their open stays: the count of a room another SFU node runs. */
  openStayCounts?(roomIds: string[]): Promise<Map<string, number>>;
}

export interface HttpApiOptions {
  rooms: RoomDirectory;
  /** People in the room live on this node; undefined when it is not live here (it may be on another node). */
  liveParticipants: (roomId: string) => number | undefined;
  defaultMaxParticipants: number;
  /** What the lobby lists: the newest `maxRooms` public rooms made in the last `idleMs`, or with someone in them. */
  lobby?: { maxRooms: number; idleMs: number };
  /** The web app's origins: the only pages that may call this API with the visitor's cookie. */
  origins: OriginPolicy;
  health: () => Record<string, unknown>;
  logger: Logger;
  /** Accounts, invites and room access rules (apps/sfu/src/auth/auth-routes.ts). */
  access?: HttpAccess;
  /** Routes that answer on the response themselves (file downloads); each returns false for paths not its own. */
  rawRoutes?: Array<(req: IncomingMessage, res: ServerResponse) => Promise<boolean>>;
}

export interface HttpResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** What the access layer adds to this API; its methods throw HttpError to refuse. */
export interface HttpAccess {
  /** Answers its own routes (/api/auth/*, /api/rooms/:id/invites…); null for any other path. */
  route(req: IncomingMessage, url: URL): Promise<HttpResult | null>;
  /** Rate limits and rules of room creation; the owner to record. */
  roomCreation(req: IncomingMessage, input: { visibility?: RoomVisibility }): Promise<{ ownerId: string | null }>;
  /** Refuses a private room to strangers; what the summary tells this requester. */
  roomView(req: IncomingMessage, room: StoredRoom, invite: string | null): Promise<Partial<RoomSummary>>;
}

/** A refusal answered as `{ error: { code, message } }` with the code's status (packages/shared errors.ts). */
export class HttpError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = httpStatusOf(code);
  }
}

/** The lobby's JSON API and /health; socket.io handles its own path. */
export function createHttpApi(options: HttpApiOptions) {
  /** People inside, for rooms live here from the room itself, for others from the database (another node may run them). */
  const counts = async (rooms: StoredRoom[]): Promise<Map<string, number>> => {
    const elsewhere = rooms.filter((room) => room.status !== 'closed' && options.liveParticipants(room.id) === undefined).map((room) => room.id);
    return elsewhere.length > 0 && options.rooms.openStayCounts ? options.rooms.openStayCounts(elsewhere) : new Map();
  };
  const summary = (room: StoredRoom, people: Map<string, number>, extra: Partial<RoomSummary> = {}): RoomSummary => ({
    id: room.id,
    name: room.name,
    status: room.status === 'closed' ? 'closed' : 'open',
    participants: options.liveParticipants(room.id) ?? people.get(room.id) ?? 0,
    maxParticipants: room.maxParticipants ?? options.defaultMaxParticipants,
    createdAt: room.createdAt.toISOString(),
    visibility: room.visibility ?? 'public',
    ...extra,
  });

  async function route(req: IncomingMessage): Promise<HttpResult> {
    const url = requestUrl(req);
    const path = url.pathname;
    if (path === '/health' && req.method === 'GET') return { status: 200, body: { status: 'ok', ...options.health() } };
    const own = await options.access?.route(req, url);
    if (own) return own;
    if (path === '/api/rooms' && req.method === 'POST') {
      const parsed = createRoomRequestSchema.safeParse(await readJson(req));
      if (!parsed.success) throw new HttpError('bad_request', describeZodError(parsed.error));
      const { ownerId } = (await options.access?.roomCreation(req, parsed.data)) ?? { ownerId: null };
      const room = await options.rooms.createRoom({ ...parsed.data, ownerId });
      return { status: 201, body: summary(room, new Map(), { isOwner: ownerId !== null }) };
    }
    if (path === '/api/rooms' && req.method === 'GET') {
      const lobby = options.lobby;
      const rooms = await options.rooms.listOpenRooms(lobby && { limit: lobby.maxRooms, activeSince: new Date(Date.now() - lobby.idleMs) });
      const people = await counts(rooms);
      return { status: 200, body: { rooms: rooms.map((room) => summary(room, people)) } };
    }
    const match = /^\/api\/rooms\/([A-Za-z0-9_-]{1,32})$/.exec(path);
    if (match && req.method === 'GET') {
      const room = await options.rooms.getRoom(match[1]!);
      if (!room) throw new HttpError('not_found', 'no room with this id; check the link');
      const extra = await options.access?.roomView(req, room, url.searchParams.get('invite'));
      return { status: 200, body: summary(room, await counts([room]), extra) };
    }
    throw new HttpError('not_found', `no route for ${req.method} ${path}`);
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.url?.startsWith('/socket.io/')) return; // socket.io answers these
    for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) res.setHeader(name, value);
    const refusal = options.origins.refusal(req);
    if (refusal) {
      sendError(res, new HttpError('forbidden', refusal));
      return;
    }
    setCors(req, res);
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    try {
      for (const raw of options.rawRoutes ?? []) if (await raw(req, res)) return;
      const { status, body, headers } = await route(req);
      send(res, status, body, headers);
    } catch (err) {
      if (err instanceof HttpError) {
        sendError(res, err);
      } else {
        const failure = unexpectedFailure(err, options.logger, { url: loggableUrl(req.url) });
        if (!res.headersSent) sendError(res, failure);
        else res.destroy();
      }
    }
  };
}

/**
 * The answer to an exception no route meant: `unavailable` while the database is down (logged as a
 * warning; Retry-After tells the client when to try again), else `internal`, logged with its stack.
 */
export function unexpectedFailure(err: unknown, logger: Logger, context: Record<string, unknown>, message = 'the server failed; try again'): HttpError {
  if (isDatabaseUnavailable(err)) {
    logger.warn({ err, ...context }, 'http request failed: the database is unavailable');
    return new HttpError('unavailable', DATABASE_UNAVAILABLE_MESSAGE, { 'retry-after': '5' });
  }
  logger.error({ err, ...context }, 'http request failed');
  return new HttpError('internal', message);
}

/**
 * On every answer of this API (JSON, files, refusals): nothing it serves is a page, so nothing may
 * run, load or frame it, and browsers take the content type as sent.
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/**
 * The request's URL, its target always taken as a path: `new URL('//x', base)` would read `x` as a
 * host, and `//` or `///` throw.
 */
export function requestUrl(req: IncomingMessage): URL {
  return new URL(`http://localhost${req.url?.startsWith('/') ? req.url : '/'}`);
}

export function sendError(res: ServerResponse, err: HttpError): void {
  send(res, err.status, { error: { code: err.code, message: err.message } }, err.headers);
}

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/** Only called once the origin policy let the request through: any Origin here is the web app's. */
function setCors(req: IncomingMessage, res: ServerResponse) {
  const origin = req.headers.origin;
  if (!origin) return;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'origin');
  res.setHeader('access-control-allow-methods', 'GET, POST, DELETE, OPTIONS');
  res.setHeader('access-control-allow-headers', 'content-type');
  // The web app (another port, same site) sends the session cookie: fetch(…, { credentials: 'include' }).
  res.setHeader('access-control-allow-credentials', 'true');
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > LIMITS.maxMessageBytes) throw new HttpError('too_large', `body exceeds ${LIMITS.maxMessageBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
  } catch {
    throw new HttpError('bad_request', 'body is not valid JSON');
  }
}
