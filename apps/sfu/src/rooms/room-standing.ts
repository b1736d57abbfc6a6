import { SignalRequestError, type DurableStanding } from '@bandmate/shared';
import type { Peer } from './peer.ts';

/** What the host decided about a person in this room session. */
export interface Standing {
  removed: boolean;
  muted: boolean;
  listenOnly: boolean;
}

type Identified = Pick<Peer, 'userId' | 'connectionId'> & { id?: string };

/**
 * The host's decisions about people, kept as long as the live room (the room session) lives,
 * so that leaving and rejoining does not undo them. A decision sticks to every identity the
 * peer had: its account (signed-in users and invited guests) and its signalling connection.
 * A participant without an account who opens a new connection (reloads the page) is a new
 * identity; only an account survives that.
 */
export class RoomStanding {
  private readonly byIdentity = new Map<string, Partial<Standing>>();
  /** Called after every decision (the registry writes the durable ones). */
  onChange?: () => void;

  of(peer: Identified): Standing {
    const found = identities(peer).map((key) => this.byIdentity.get(key) ?? {});
    // Any identity carrying a decision carries it for the peer.
    return {
      removed: found.some((s) => s.removed),
      muted: found.some((s) => s.muted),
      listenOnly: found.some((s) => s.listenOnly),
    };
  }

  record(peer: Identified, decision: Partial<Standing>): void {
    for (const key of identities(peer)) this.byIdentity.set(key, { ...this.byIdentity.get(key), ...decision });
    this.onChange?.();
  }

  /** The decisions that outlive a connection (accounts and peer ids), for the session's record. */
  durable(): DurableStanding {
    const kept: DurableStanding = {};
    for (const [key, decision] of this.byIdentity) if (!key.startsWith('connection:')) kept[key] = decision;
    return kept;
  }

  /** Takes back a resumed session's durable decisions. */
  restore(decisions: DurableStanding): void {
    for (const [key, decision] of Object.entries(decisions)) this.byIdentity.set(key, { ...this.byIdentity.get(key), ...decision });
  }

  /**
   * Lets a newcomer in under the decisions about them: a removed person is refused, a
   * listen-only one may only listen, a muted one starts muted.
   */
  admit(peer: Peer): void {
    const standing = this.of(peer);
    if (standing.removed) {
      throw new SignalRequestError('removed', 'the host removed you from this room; you can rejoin after this session ends');
    }
    if (standing.listenOnly && peer.role === 'musician') {
      throw new SignalRequestError('listen_only', 'the host made you listen-only in this room; join as a listener');
    }
    peer.hostMuted = standing.muted;
  }
}

function identities(peer: Identified): string[] {
  const keys: string[] = [];
  if (peer.userId) keys.push(`user:${peer.userId}`);
  if (peer.connectionId) keys.push(`connection:${peer.connectionId}`);
  if (peer.id) keys.push(`peer:${peer.id}`);
  return keys;
}
