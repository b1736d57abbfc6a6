'use client';

import { useEffect, useState } from 'react';
import { useRouter } from 'next/navigation';
import type { RoomSummary } from '@bandmate/shared';
import { createRoom, listRooms } from '../lib/rooms-api';
import { resolveSfuUrl, type SfuLocation } from '../lib/sfu-url';

export function Lobby({ sfu }: { sfu: SfuLocation }) {
  const router = useRouter();
  const [name, setName] = useState('');
  const [created, setCreated] = useState<RoomSummary | null>(null);
  const [rooms, setRooms] = useState<RoomSummary[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    listRooms(resolveSfuUrl(sfu))
      .then(setRooms)
      .catch((e: Error) => setError(e.message));
  }, [sfu]);

  async function onCreate(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setCreated(await createRoom(resolveSfuUrl(sfu), name));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  const link = created ? `${window.location.origin}/room/${created.id}` : '';

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
        {created && (
          <div className="mt-4 rounded-md border border-stage-700 bg-stage-950 p-3" data-testid="created-room">
            <p className="text-sm text-gray-400">Share this link:</p>
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
