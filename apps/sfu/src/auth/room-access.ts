import type { IncomingMessage } from 'node:http';
import { SignalRequestError, type CurrentUser, type Role } from '@bandmate/shared';
import type { AccessRepository, RoomAccessRecord } from '../db/types.ts';
import { clientAddress, type AccessLimits } from './access-limits.ts';
import type { InviteBook } from './invites.ts';
import type { RejoinTokens } from './rejoin-tokens.ts';
import { RELAY_CLIENT_HEADER, RELAY_TOKEN_HEADER, type RelayTokens } from './relay-tokens.ts';
import type { SessionService } from './sessions.ts';

export type { CurrentUser } from '@bandmate/shared';

export type AccessStore = Pick<AccessRepository, 'getRoomAccess' | 'roomMembership'>;

/** Why someone was let in. */
export type AdmittedVia = 'owner' | 'public' | 'invite' | 'member';

export interface Admission {
  /** The signed-in or guest account; null for an anonymous join of a public room. */
  user: CurrentUser | null;
  isOwner: boolean;
  via: AdmittedVia;
  /** The invite that let them in (via 'invite'). */
  inviteId?: string;
  /** A valid rejoin token named a peer the room expects back: the new peer takes that id (and seat). */
  returningPeerId?: string;
}

export interface JoinAttempt {
  roomId: string;
  role: Role;
  invite?: string;
  /** The Cookie header of the socket.io handshake. */
  cookieHeader: string | undefined;
  /** The client's address, for the per-address rate limit. */
  address: string;
  /** The signalling connection it comes on: someone a moved room asked to join again may, locked or not. */
  connectionId?: string;
  /** The rejoin token of the page's last membership of this room (rejoin-tokens.ts). */
  rejoin?: string;
}

/** What the join rules need of a live room. */
export interface LiveRoomView {
  locked: boolean;
  /** Whether this person was in the room when it moved to another worker (Room.expectsBack). */
  expectsBack(identity: { id?: string; userId?: string; connectionId?: string }): boolean;
}

/** The parts of a socket.io socket this needs (its handshake). */
export interface HandshakeSource {
  handshake: { headers: Record<string, string | string[] | undefined>; address: string };
}

/**
 * Who someone is and which rooms they may enter: the SFU's one place for room access rules.
 *
 * - A public room admits anyone (anonymous joins included).
 * - A private room admits its owner, anyone with a valid invite link for it (signed in or a
 *   guest: an anonymous visitor first gets a guest account through POST /api/auth/guest), and
 *   anyone admitted before (a Participant row with their account), so a revoked or lost link
 *   does not lock out people already let in. A listener invite admits listeners only, and so does
 *   a past admission that was only ever as a listener.
 * - A locked room (Room.locked, set by the host's lock control for the current room session)
 *   admits only the owner and people who were in during this session (reconnects).
 *
 * Other features use `currentUser` / `userOfRequest` / `userOfSocket`, `isRoomOwner` and
 * `isRoomMember` (owner, or admitted at least once), e.g. for members-only downloads.
 */
export class RoomAccess {
  /** relayOfSocket's verdict per connection (its handshake object). */
  private readonly relays = new WeakMap<object, { nodeId: string; address: string } | null>();

  constructor(
    private readonly deps: {
      store: AccessStore;
      sessions: SessionService;
      invites: InviteBook;
      limits: AccessLimits;
      /** The live room, if any: a lock lasts for the live room's session only. */
      liveRoom: (roomId: string) => LiveRoomView | undefined;
      /** Signs and checks the tokens pages rejoin with after a restart or a move. */
      rejoinTokens: RejoinTokens;
      /** Sign and check what SFU nodes show when they relay a browser's signalling to another node. */
      relayTokens: RelayTokens;
      trustProxy: boolean;
    },
  ) {}

  /** The account behind a Cookie header (null: none, unknown or expired session). */
  async currentUser(cookieHeader: string | undefined): Promise<CurrentUser | null> {
    const signedIn = await this.deps.sessions.resolve(cookieHeader);
    if (!signedIn) return null;
    const { id, displayName, email, guest } = signedIn.user;
    return { id, displayName, email, guest };
  }

  userOfRequest(req: IncomingMessage): Promise<CurrentUser | null> {
    return this.currentUser(req.headers.cookie);
  }

  /**
   * The account of a signalling connection, read from the cookie its handshake carried and
   * checked against the database on every call (a sign-out elsewhere takes effect at once).
   */
  userOfSocket(socket: HandshakeSource): Promise<CurrentUser | null> {
    return this.currentUser(headerValue(socket.handshake.headers.cookie));
  }

  addressOfRequest(req: IncomingMessage): string {
    return clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], this.deps.trustProxy);
  }

  /** A relayed socket's browser address (relayOfSocket); otherwise the socket's own client. */
  addressOfSocket(socket: HandshakeSource): string {
    return this.relayOfSocket(socket)?.address ?? clientAddress(socket.handshake.address, socket.handshake.headers['x-forwarded-for'], this.deps.trustProxy);
  }

  /**
   * The SFU node relaying this socket for a browser, and that browser's address: set only when the
   * handshake carries a relay token a node of this deployment signed for that address
   * (auth/relay-tokens.ts). Anyone else's claim to speak for an address is ignored.
   */
  relayOfSocket(socket: HandshakeSource): { nodeId: string; address: string } | null {
    // Checked once, at the handshake (the first call): the token is short-lived, the connection is not.
    const known = this.relays.get(socket.handshake);
    if (known !== undefined) return known;
    const token = headerValue(socket.handshake.headers[RELAY_TOKEN_HEADER]);
    const address = headerValue(socket.handshake.headers[RELAY_CLIENT_HEADER]);
    const nodeId = token && address && address.length <= 64 ? this.deps.relayTokens.verify(token, address) : null;
    const relay = nodeId && address ? { nodeId, address } : null;
    this.relays.set(socket.handshake, relay);
    return relay;
  }

  /** The headers a node's relay socket carries for the browser at `address` (signalling/node-relay.ts). */
  relayHeaders(nodeId: string, address: string): Record<string, string> {
    return { [RELAY_TOKEN_HEADER]: this.deps.relayTokens.sign(nodeId, address), [RELAY_CLIENT_HEADER]: address };
  }

  /** What this node shows another node of the deployment on a node link (edge/edge-room.ts). */
  nodeLinkToken(nodeId: string): string {
    return this.deps.relayTokens.signNodeLink(nodeId);
  }

  /** The node a node-link handshake's token proves; null: not a node of this deployment. */
  nodeOfLinkToken(token: string): string | null {
    return this.deps.relayTokens.verifyNodeLink(token);
  }

  /** The token a peer shows when its page joins `roomId` again by itself. */
  rejoinToken(roomId: string, peerId: string): string {
    return this.deps.rejoinTokens.sign(roomId, peerId);
  }

  async isRoomOwner(userId: string, roomId: string): Promise<boolean> {
    const room = await this.deps.store.getRoomAccess(roomId);
    return room !== null && room.ownerId !== null && room.ownerId === userId;
  }

  /** The owner, or anyone who has been admitted to the room at least once. */
  async isRoomMember(userId: string, roomId: string): Promise<boolean> {
    const m = await this.deps.store.roomMembership(userId, roomId);
    return m.isOwner || m.admittedBefore;
  }

  /** Applies the join rules (and the join rate limits); throws a SignalRequestError with a clear code. */
  async admit(attempt: JoinAttempt): Promise<Admission> {
    const user = await this.currentUser(attempt.cookieHeader);
    const { limits } = this.deps;
    limits.check('joins', [
      [limits.joinAccount, user?.id],
      [limits.joinIp, attempt.address],
    ]);
    const room = await this.room(attempt.roomId);
    const membership = user ? await this.deps.store.roomMembership(user.id, room.id) : null;
    const isOwner = membership?.isOwner ?? false;

    const live = this.deps.liveRoom(room.id);
    const locked = live ? live.locked || room.locked : false;
    const tokenPeer = attempt.rejoin ? this.deps.rejoinTokens.verify(room.id, attempt.rejoin) : null;
    const returningPeerId = tokenPeer && live?.expectsBack({ id: tokenPeer }) ? { returningPeerId: tokenPeer } : {};
    const returning = live?.expectsBack({ id: tokenPeer ?? undefined, userId: user?.id, connectionId: attempt.connectionId }) ?? false;
    if (locked && !isOwner && !membership?.inCurrentSession && !returning) {
      throw new SignalRequestError('room_locked', 'the host has locked this room: nobody new can join right now');
    }
    if (isOwner) return { user, isOwner, via: 'owner', ...returningPeerId };
    // An unlisted room is a public one the lobby does not show: the link is enough.
    if (room.visibility === 'public' || room.visibility === 'unlisted') return { user, isOwner, via: 'public', ...returningPeerId };

    // Private from here on.
    let inviteError: SignalRequestError | undefined;
    if (attempt.invite) {
      try {
        const invite = await this.deps.invites.check(room.id, attempt.invite);
        if (!user) {
          throw new SignalRequestError('auth_required', 'join as a guest (a display name is enough) or sign in to use this invite');
        }
        if (invite.role === 'listener' && attempt.role === 'musician') {
          throw new SignalRequestError('forbidden', 'this invite link admits listeners only; join as a listener');
        }
        return { user, isOwner, via: 'invite', inviteId: invite.id, ...returningPeerId };
      } catch (err) {
        if (!(err instanceof SignalRequestError) || !err.code.startsWith('invite_')) throw err;
        inviteError = err;
      }
    }
    if (membership?.admittedBefore) {
      if (attempt.role === 'musician' && !membership.admittedAsMusician) {
        throw new SignalRequestError('forbidden', 'you were let in as a listener; join as a listener or ask the host for a musician invite');
      }
      return { user, isOwner, via: 'member', ...returningPeerId };
    }
    throw inviteError ?? new SignalRequestError('invite_required', 'this room is private: open it with an invite link from its host');
  }

  /**
   * Whether `user` may see a room's details (GET /api/rooms/:id): anyone for a public room; for a
   * private one the owner, members and holders of a valid invite. Throws like `admit`.
   */
  async view(roomId: string, user: CurrentUser | null, invite?: string): Promise<{ isOwner: boolean; inviteRole?: Role }> {
    const room = await this.room(roomId);
    const membership = user ? await this.deps.store.roomMembership(user.id, room.id) : null;
    const isOwner = membership?.isOwner ?? false;
    let inviteRole: Role | undefined;
    if (invite && room.visibility === 'private' && !isOwner) {
      try {
        inviteRole = (await this.deps.invites.check(room.id, invite)).role;
      } catch (err) {
        if (!membership?.admittedBefore) throw err;
      }
    }
    if (room.visibility === 'private' && !isOwner && !membership?.admittedBefore && !inviteRole) {
      throw new SignalRequestError('invite_required', 'this room is private: open it with an invite link from its host');
    }
    return inviteRole ? { isOwner, inviteRole } : { isOwner };
  }

  private async room(roomId: string): Promise<RoomAccessRecord> {
    const room = await this.deps.store.getRoomAccess(roomId);
    if (!room) throw new SignalRequestError('not_found', `room ${roomId} does not exist`);
    return room;
  }
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join('; ') : v;
}
