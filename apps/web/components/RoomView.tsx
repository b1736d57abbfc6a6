'use client';

import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { RoomSummary } from '@bandmate/shared';
import { RoomSession, type SessionState } from '../media/room-session';
import { getRoom } from '../lib/rooms-api';
import { resolveSfuUrl, type SfuLocation } from '../lib/sfu-url';
import { AiPanel } from './AiPanel';
import { JoinForm, type JoinChoice } from './JoinForm';
import { MixerStrip } from './MixerStrip';
import { useLevels } from './useLevels';

const IDLE: SessionState = { phase: 'idle', peers: [] };

declare global {
  interface Window {
    /** The live session, for browser tests and debugging from the console. */
    __bandmate?: RoomSession;
  }
}

export function RoomView({ roomId, sfu }: { roomId: string; sfu: SfuLocation }) {
  const sessionRef = useRef<RoomSession | null>(null);
  const [room, setRoom] = useState<RoomSummary | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [, force] = useState(0);

  useEffect(() => {
    const session = new RoomSession(resolveSfuUrl(sfu));
    sessionRef.current = session;
    window.__bandmate = session;
    force((n) => n + 1);
    getRoom(resolveSfuUrl(sfu), roomId)
      .then(setRoom)
      .catch((e: Error) => setLoadError(e.message));
    return () => {
      session.close();
      if (window.__bandmate === session) window.__bandmate = undefined;
      sessionRef.current = null;
    };
  }, [roomId, sfu]);

  const session = sessionRef.current;
  const state = useSyncExternalStore(
    session?.subscribe ?? noopSubscribe,
    () => session?.state ?? IDLE,
    () => IDLE,
  );
  const sourceIds = ['self', 'master', ...state.peers.map((p) => p.id)];
  const levels = useLevels(state.phase === 'joined' ? session?.graph : undefined, sourceIds);

  if (loadError) return <p role="alert" className="text-red-400">{loadError}</p>;
  if (!room || !session) return <p className="text-gray-400">Loading room…</p>;

  const join = (choice: JoinChoice) => void session.join({ roomId, ...choice }).catch(() => {});

  if (state.phase !== 'joined' && state.phase !== 'reconnecting') {
    return (
      <div className="flex flex-col gap-4">
        {state.error && (
          <p role="alert" className="mx-auto max-w-md rounded-md bg-red-500/10 p-3 text-sm text-red-300">
            {state.error}
          </p>
        )}
        {state.phase === 'left' && <p className="text-center text-sm text-gray-400">You left the room.</p>}
        <JoinForm roomName={room.name} busy={state.phase === 'joining'} onJoin={join} />
      </div>
    );
  }

  const musicians = state.peers;
  return (
    <div className="flex flex-col gap-5" data-testid="room" data-phase={state.phase}>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold">{state.roomName}</h1>
          <p className="text-sm text-gray-400">
            {state.phase === 'reconnecting'
              ? 'Connection lost — reconnecting…'
              : `You are ${state.self?.displayName} (${state.self?.role}${state.isHost ? ', host' : ''})`}
          </p>
        </div>
        <button className="rounded-md bg-stage-700 px-4 py-2 text-sm hover:bg-stage-800" onClick={() => void session.leave()}>
          Leave
        </button>
      </div>

      {state.ai && <AiPanel ai={state.ai} isHost={!!state.isHost} onChange={(r) => void session.setAi(r)} />}

      <section aria-label="Participants">
        <h2 className="mb-2 text-sm uppercase tracking-wide text-gray-400">In the room ({musicians.length + 1})</h2>
        <ul className="flex flex-wrap gap-2" data-testid="presence">
          <li className="rounded-full bg-accent/20 px-3 py-1 text-sm">{state.self?.displayName} (you)</li>
          {musicians.map((p) => (
            <li key={p.id} className="rounded-full bg-stage-800 px-3 py-1 text-sm" data-peer-id={p.id}>
              {p.displayName}
              {p.role === 'listener' && <span className="text-gray-500"> · listening</span>}
            </li>
          ))}
        </ul>
      </section>

      <section aria-label="Mixer" className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-3">
        {state.self?.role === 'musician' && <MixerStrip id="self" name="My input" levels={levels.self} />}
        {musicians
          .filter((p) => p.producerId)
          .map((p) => (
            <MixerStrip
              key={p.id}
              id={p.id}
              name={p.displayName}
              levels={levels[p.id]}
              settings={session.graph?.strip(p.id)}
              stats={p.stats}
              onChange={(s) => session.setStrip(p.id, s)}
            />
          ))}
        <MixerStrip id="master" name="What I hear" levels={levels.master} />
      </section>
    </div>
  );
}

const noopSubscribe = () => () => {};
