'use client';

import { useCallback, useEffect, useState } from 'react';
import type { InviteSummary, Role, RoomMemberSummary } from '@bandmate/shared';
import { createInvite, listInvites, listMembers, removeMember, revokeInvite } from '../lib/auth-api';

const EXPIRY_CHOICES: Array<{ label: string; seconds: number | null }> = [
  { label: 'Never expires', seconds: null },
  { label: 'Expires in 1 hour', seconds: 3600 },
  { label: 'Expires in 1 day', seconds: 24 * 3600 },
  { label: 'Expires in 7 days', seconds: 7 * 24 * 3600 },
];

const STATUS_STYLE: Record<InviteSummary['status'], string> = {
  active: 'bg-emerald-500/20 text-emerald-300',
  expired: 'bg-stage-700 text-gray-400',
  revoked: 'bg-red-500/20 text-red-300',
};

/** The owner's invite links: make one (role, expiry), copy it, revoke it. The server refuses anyone else. */
export function InvitePanel({ sfuUrl, roomId }: { sfuUrl: string; roomId: string }) {
  const [invites, setInvites] = useState<InviteSummary[]>([]);
  const [members, setMembers] = useState<RoomMemberSummary[]>([]);
  const [role, setRole] = useState<Role>('musician');
  const [expiry, setExpiry] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const refresh = useCallback(
    () =>
      Promise.all([listInvites(sfuUrl, roomId), listMembers(sfuUrl, roomId)])
        .then(([i, m]) => {
          setInvites(i);
          setMembers(m);
        })
        .catch((e: Error) => setError(e.message)),
    [sfuUrl, roomId],
  );
  useEffect(() => void refresh(), [refresh]);

  const act = async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
      await refresh();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const link = (invite: InviteSummary) => `${window.location.origin}${invite.path}`;

  return (
    <section aria-label="Invite links" className="rounded-xl border border-stage-800 bg-stage-900 p-4" data-testid="invite-panel">
      <div className="flex flex-wrap items-center gap-3">
        <h2 className="font-semibold">🔗 Invite links</h2>
        <div className="ml-auto flex flex-wrap items-center gap-2 text-sm">
          <select
            aria-label="Invite role"
            className="rounded-md border border-stage-700 bg-stage-950 px-2 py-1"
            value={role}
            onChange={(e) => setRole(e.target.value as Role)}
          >
            <option value="musician">Musicians (play and listen)</option>
            <option value="listener">Listeners only</option>
          </select>
          <select
            aria-label="Invite expiry"
            className="rounded-md border border-stage-700 bg-stage-950 px-2 py-1"
            value={expiry}
            onChange={(e) => setExpiry(Number(e.target.value))}
          >
            {EXPIRY_CHOICES.map((c, i) => (
              <option key={c.label} value={i}>
                {c.label}
              </option>
            ))}
          </select>
          <button
            className="rounded-md bg-accent px-3 py-1 font-medium text-black disabled:opacity-50"
            disabled={busy}
            onClick={() => void act(() => createInvite(sfuUrl, roomId, { role, expiresInSeconds: EXPIRY_CHOICES[expiry]!.seconds }))}
          >
            Create invite link
          </button>
        </div>
      </div>
      {error && (
        <p role="alert" className="mt-2 text-sm text-red-400">
          {error}
        </p>
      )}
      {invites.length === 0 ? (
        <p className="mt-2 text-sm text-gray-400">No invite links yet. Only people with a link (or you) can enter this room.</p>
      ) : (
        <ul className="mt-3 flex flex-col gap-2" data-testid="invites">
          {invites.map((invite) => (
            <li key={invite.id} className="flex flex-wrap items-center gap-2 rounded-md bg-stage-800 px-3 py-2 text-sm" data-invite-id={invite.id} data-status={invite.status}>
              <span className={`rounded-full px-2 py-0.5 text-xs ${STATUS_STYLE[invite.status]}`}>{invite.status}</span>
              <span className="text-gray-400">{invite.role === 'listener' ? 'listeners' : 'musicians'}</span>
              <span className="text-xs text-gray-500">
                {invite.expiresAt ? `until ${new Date(invite.expiresAt).toLocaleString()}` : 'no expiry'}
              </span>
              <code className="min-w-0 flex-1 truncate text-xs" data-testid="invite-link">
                {link(invite)}
              </code>
              {invite.status === 'active' && (
                <>
                  <button className="rounded bg-stage-700 px-2 py-1 text-xs" onClick={() => void navigator.clipboard?.writeText(link(invite))}>
                    Copy
                  </button>
                  <button
                    className="rounded bg-red-500/80 px-2 py-1 text-xs text-black disabled:opacity-50"
                    disabled={busy}
                    onClick={() => void act(() => revokeInvite(sfuUrl, roomId, invite.id))}
                  >
                    Revoke
                  </button>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {members.length > 0 && (
        <>
          <h3 className="mt-4 text-sm font-semibold">Members</h3>
          <p className="text-xs text-gray-400">People let in before. Removing one puts them out now; they need a new link to come back.</p>
          <ul className="mt-2 flex flex-col gap-2" data-testid="members">
            {members.map((m) => (
              <li key={m.userId} className="flex items-center gap-2 rounded-md bg-stage-800 px-3 py-2 text-sm" data-member-id={m.userId}>
                <span className="min-w-0 flex-1 truncate">
                  {m.displayName}
                  {m.guest ? ' (guest)' : ''}
                </span>
                <span className="text-xs text-gray-500">{m.musician ? 'musician' : 'listener'}</span>
                <button
                  className="rounded bg-red-500/80 px-2 py-1 text-xs text-black disabled:opacity-50"
                  disabled={busy}
                  onClick={() => void act(() => removeMember(sfuUrl, roomId, m.userId))}
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
