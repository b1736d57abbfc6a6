'use client';

import { useCallback, useState } from 'react';
import Link from 'next/link';
import type { CurrentUser, Role, RoomVisibility } from '@bandmate/shared';
import { fetchMe, joinAsGuest } from '../lib/auth-api';
import { useCurrentUser } from '../lib/use-current-user';
import { ApiError } from '../lib/rooms-api';

/** How this page entered the room: the link's invite and what the server said about it. */
export interface RoomEntry {
  sfuUrl: string;
  roomId: string;
  visibility?: RoomVisibility;
  /** The ?invite= token of the link. */
  invite?: string;
  /** The role the invite admits as (from GET /api/rooms/:id?invite=…). */
  inviteRole?: Role;
}

export interface GuestAccessState {
  /** undefined while loading; null: nobody is signed in on this browser. */
  me: CurrentUser | null | undefined;
  error: { code: string; message: string } | null;
  busy: boolean;
  /**
   * Before joining: someone with an invite to a private room and no account gets a guest account
   * (a display name is enough), and signalling must then reconnect to carry its cookie. Null when
   * that failed (the error is shown).
   */
  prepare(displayName: string): Promise<{ invite?: string; newIdentity?: boolean } | null>;
}

export function useGuestAccess(entry: RoomEntry | undefined): GuestAccessState {
  const me = useCurrentUser(entry?.sfuUrl);
  const [error, setError] = useState<GuestAccessState['error']>(null);
  const [busy, setBusy] = useState(false);

  const prepare = useCallback(
    async (displayName: string) => {
      setError(null);
      if (!entry?.invite) return {};
      const invite = entry.invite;
      if (entry.visibility !== 'private') return { invite };
      setBusy(true);
      try {
        const current = me === undefined ? await fetchMe(entry.sfuUrl) : me;
        if (current) return { invite };
        await joinAsGuest(entry.sfuUrl, { roomId: entry.roomId, invite, displayName });
        return { invite, newIdentity: true };
      } catch (e) {
        setError({ code: e instanceof ApiError ? e.code : 'internal', message: (e as Error).message });
        return null;
      } finally {
        setBusy(false);
      }
    },
    [entry, me],
  );

  return { me, error, busy, prepare };
}

/** In the join form of a private room: who you will join as, and refusals of the guest step. */
export function GuestAccess({ access, entry }: { access: GuestAccessState; entry?: RoomEntry }) {
  const next = entry ? `/room/${entry.roomId}${entry.invite ? `?invite=${entry.invite}` : ''}` : '/';
  return (
    <>
      {entry?.visibility === 'private' && (
        <p className="rounded-md bg-stage-800 p-2 text-xs text-gray-300" data-testid="join-identity">
          🔒 Private room.{' '}
          {access.me ? (
            <>
              You join as <strong>{access.me.displayName}</strong>
              {access.me.guest ? ' (guest)' : ''}.
            </>
          ) : access.me === null && entry.invite ? (
            <>
              You were invited: enter a name to join as a guest, or{' '}
              <Link className="text-accent underline" href={`/signin?next=${encodeURIComponent(next)}`}>
                sign in
              </Link>
              .
            </>
          ) : null}
        </p>
      )}
      {access.error && (
        <p role="alert" data-code={access.error.code} className="rounded-md bg-red-500/10 p-2 text-sm text-red-300">
          {access.error.message}
        </p>
      )}
    </>
  );
}
