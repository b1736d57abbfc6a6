'use client';

import { useEffect, useState } from 'react';
import { useRouter } from 'next/navigation';
import type { RoomSummary, RoomVisibility } from '@bandmate/shared';
import { createInvite } from '../lib/auth-api';
import { useCurrentUser } from '../lib/use-current-user';
import { createRoom, listRooms } from '../lib/rooms-api';
import { followLobby } from '../lib/lobby-feed';
import { DemoButton } from './DemoButton';
import { resolveSfuUrl, type SfuLocation } from '../lib/sfu-url';

export function Lobby({ sfu }: { sfu: SfuLocation }) {
  const router = useRouter();
  const [name, setName] = useState('');
  const [created, setCreated] = useState<RoomSummary | null>(null);
  const [visibility, setVisibility] = useState<RoomVisibility>('public');
  const me = useCurrentUser(sfu);
  /** For a private room, the first invite link (made right away, so there is something to share). */
  const [sharePath, setSharePath] = useState<string | null>(null);
  const [rooms, setRooms] = useState<RoomSummary[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // The list stays live: asked again whenever a room is made, opens, closes or someone comes or goes.
  useEffect(() => {
    const url = resolveSfuUrl(sfu);
    let asking = false;
    let askAgain = false;
    const refresh = () => {
      if (asking) {
        askAgain = true;
        return;
      }
      asking = true;
      listRooms(url)
        .then(setRooms)
        .catch((e: Error) => setError(e.message))
        .finally(() => {
          asking = false;
          if (askAgain) {
            askAgain = false;
            refresh();
          }
        });
    };
    refresh();
    return followLobby(url, refresh);
  }, [sfu]);

  // Private rooms need an account (guests too are sent to sign up).
  const mayCreatePrivate = !!me && !me.guest;

  async function onCreate(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const room = await createRoom(resolveSfuUrl(sfu), name, visibility);
      const invite = room.visibility === 'private' ? await createInvite(resolveSfuUrl(sfu), room.id, { role: 'musician' }) : null;
      setSharePath(invite?.path ?? null);
      setCreated(room);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  const link = created ? `${window.location.origin}${sharePath ?? `/room/${created.id}`}` : '';

  return (
    <div className="grid gap-6 md:grid-cols-2">
      <section className="rounded-xl border border-stage-800 bg-stage-900 p-5">
        <h1 className="mb-1 text-2xl font-semibold">Start a jam</h1>
        <p className="mb-4 text-sm text-gray-400">Create a room and send the link to your band.</p>
        <form onSubmit={onCreate} className="flex flex-col gap-3 sm:flex-row">
          <input
            aria-label="Room name"
            className="flex-1 rounded-md border border-stage-700 bg-stage-950 px-3 py-2 outline-none focus:border-accent"
            placeholder="Thursday rehearsal"
            maxLength={80}
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
          />
          <button
            type="submit"
            disabled={busy}
            className="rounded-md bg-accent px-4 py-2 font-medium text-black disabled:opacity-50"
          >
            Create room
          </button>
        </form>
        <fieldset className="mt-3 flex flex-wrap items-center gap-4 text-sm">
          <label className="flex items-center gap-2">
            <input type="radio" name="visibility" checked={visibility === 'public'} onChange={() => setVisibility('public')} />
            Public (listed here, anyone may join)
          </label>
          <label className="flex items-center gap-2">
            <input type="radio" name="visibility" checked={visibility === 'unlisted'} onChange={() => setVisibility('unlisted')} />
            Unlisted (anyone with the link, not listed here)
          </label>
          <label className={`flex items-center gap-2 ${mayCreatePrivate ? '' : 'text-gray-500'}`}>
            <input
              type="radio"
              name="visibility"
              disabled={!mayCreatePrivate}
              checked={visibility === 'private'}
              onChange={() => setVisibility('private')}
            />
            Private (invite links only)
          </label>
          {!mayCreatePrivate && (
            <span className="text-xs text-gray-500">
              <a href="/signin" className="text-accent underline">
                Sign in
              </a>{' '}
              to create private rooms.
            </span>
          )}
        </fieldset>
        {created && (
          <div className="mt-4 rounded-md border border-stage-700 bg-stage-950 p-3" data-testid="created-room">
            <p className="text-sm text-gray-400">
              {created.visibility === 'private'
                ? 'Private room. Share this invite link (make more, or revoke them, inside the room):'
                : 'Share this link:'}
            </p>
            <div className="mt-1 flex items-center gap-2">
              <code className="flex-1 truncate text-sm" data-testid="room-link">
                {link}
              </code>
              <button className="rounded bg-stage-700 px-2 py-1 text-xs" onClick={() => void navigator.clipboard?.writeText(link)}>
                Copy
              </button>
            </div>
            <button className="mt-3 rounded-md bg-accent px-4 py-2 font-medium text-black" onClick={() => router.push(`/room/${created.id}`)}>
              Enter the room
            </button>
          </div>
        )}
        {error && (
          <p role="alert" className="mt-3 text-sm text-red-400">
            {error}
          </p>
        )}
        <DemoButton sfu={sfu} />
      </section>
      <section className="rounded-xl border border-stage-800 bg-stage-900 p-5">
        <h2 className="mb-3 text-lg font-semibold">Open rooms</h2>
        {rooms.length === 0 && <p className="text-sm text-gray-400">No open rooms yet.</p>}
        <ul className="flex flex-col gap-2">
          {rooms.map((room) => (
            <li key={room.id}>
              <a href={`/room/${room.id}`} className="flex justify-between rounded-md bg-stage-800 px-3 py-2 hover:bg-stage-700">
                <span>{room.name}</span>
                <span className="text-sm text-gray-400">
                  {room.participants}/{room.maxParticipants}
                </span>
              </a>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
