import { SignalRequestError, type InviteSummary } from '@bandmate/shared';
import type { AccessRepository, Invite, ParticipantRole } from '../db/types.ts';
import { signInviteToken, verifyInviteToken } from './invite-tokens.ts';

export type InviteStore = Pick<AccessRepository, 'createInvite' | 'getInvite' | 'listInvites' | 'revokeInvite'>;

/**
 * Invite links of rooms: made, listed and revoked by the room's owner (auth-routes.ts checks
 * who asks), checked at every join. The token is re-derived from the row for listing, so the
 * host can copy a link again later; it is never stored.
 */
export class InviteBook {
  constructor(
    private readonly store: InviteStore,
    private readonly secret: Buffer,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(roomId: string, input: { createdById: string; role: ParticipantRole; expiresInSeconds?: number | null }) {
    const expiresAt = input.expiresInSeconds ? new Date(this.now().getTime() + input.expiresInSeconds * 1000) : null;
    const invite = await this.store.createInvite({ roomId, createdById: input.createdById, expiresAt, role: input.role });
    return this.summary(invite);
  }

  async list(roomId: string, limit?: number): Promise<InviteSummary[]> {
    return (await this.store.listInvites(roomId, limit)).map((i) => this.summary(i));
  }

  /** Null if the invite is not one of this room's. */
  async revoke(roomId: string, inviteId: string): Promise<InviteSummary | null> {
    const invite = await this.store.revokeInvite(roomId, inviteId, this.now());
    return invite ? this.summary(invite) : null;
  }

  /**
   * The invite a token stands for, if it is valid for `roomId` now. Throws invite_invalid
   * (bad signature, another room's link, no such invite), invite_revoked or invite_expired.
   */
  async check(roomId: string, token: string): Promise<Invite> {
    const verified = verifyInviteToken(this.secret, roomId, token);
    if (!verified.ok) {
      throw new SignalRequestError('invite_invalid', 'this invite link is not valid for this room; ask the host for a new one');
    }
    const invite = await this.store.getInvite(verified.claims.inviteId);
    // The row must agree with what was signed (the expiry cannot be stretched by editing the link).
    if (!invite || invite.roomId !== roomId || !sameExpiry(invite.expiresAt, verified.claims.expiresAt)) {
      throw new SignalRequestError('invite_invalid', 'this invite link is not valid for this room; ask the host for a new one');
    }
    if (invite.revokedAt) throw new SignalRequestError('invite_revoked', 'the host revoked this invite link; ask them for a new one');
    if (invite.expiresAt && invite.expiresAt <= this.now()) {
      throw new SignalRequestError('invite_expired', 'this invite link has expired; ask the host for a new one');
    }
    return invite;
  }

  summary(invite: Invite): InviteSummary {
    const token = signInviteToken(this.secret, invite.roomId, { inviteId: invite.id, expiresAt: invite.expiresAt });
    const status = invite.revokedAt ? 'revoked' : invite.expiresAt && invite.expiresAt <= this.now() ? 'expired' : 'active';
    return {
      id: invite.id,
      roomId: invite.roomId,
      role: invite.role,
      createdAt: invite.createdAt.toISOString(),
      expiresAt: invite.expiresAt?.toISOString() ?? null,
      revokedAt: invite.revokedAt?.toISOString() ?? null,
      status,
      token,
      path: `/room/${encodeURIComponent(invite.roomId)}?invite=${token}`,
    };
  }
}

function sameExpiry(stored: Date | null, signed: Date | null): boolean {
  if (!stored || !signed) return stored === signed;
  return Math.floor(stored.getTime() / 1000) === Math.floor(signed.getTime() / 1000);
}
