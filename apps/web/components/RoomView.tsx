'use client';

import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { RoomSummary } from '@bandmate/shared';
import { PLAYOUT_PREFERENCE_KEY, RoomSession, type SessionState } from '../media/room-session';
import { getRoom } from '../lib/rooms-api';
import { resolveSfuUrl, type SfuLocation } from '../lib/sfu-url';
import { AiPanel } from './AiPanel';
import { ChatPanel } from './ChatPanel';
import { MetronomePanel } from './MetronomePanel';
import { JoinForm, type JoinChoice } from './JoinForm';
import { InvitePanel } from './InvitePanel';
import { RoomAccessError } from './RoomAccessError';
import { MixerStrip } from './MixerStrip';
import { ParticipantsPanel } from './ParticipantsPanel';
import { RecordingBadge } from './RecordingBadge';
import { RecordingsPanel } from './RecordingsPanel';

const IDLE: SessionState = { phase: 'idle', peers: [], joins: 0 };

declare global {
  interface Window {
    /** The live session, for browser tests and debugging from the console. */
    __bandmate?: RoomSession;
  }
}

export function RoomView({ roomId, sfu, invite }: { roomId: string; sfu: SfuLocation; invite?: string }) {
  const sessionRef = useRef<RoomSession | null>(null);
  const [room, setRoom] = useState<RoomSummary | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [, force] = useState(0);

  useEffect(() => {
    const session = new RoomSession(resolveSfuUrl(sfu));
    sessionRef.current = session;
    window.__bandmate = session;
    force((n) => n + 1);
    getRoom(resolveSfuUrl(sfu), roomId, invite)
      .then(setRoom)
      .catch((e: Error) => setLoadError(e.message));
    return () => {
      session.close();
      if (window.__bandmate === session) window.__bandmate = undefined;
      sessionRef.current = null;
    };
  }, [roomId, sfu, invite]);

  const session = sessionRef.current;
  const state = useSyncExternalStore(
    session?.subscribe ?? noopSubscribe,
    () => session?.state ?? IDLE,
    () => IDLE,
  );

  if (loadError) return <RoomAccessError message={loadError} roomId={roomId} invite={invite} />;
  if (!room || !session) return <p className="text-gray-400">Loading room…</p>;

  // A guest account made in the join form: reconnect signalling first so it carries the new cookie.
  const join = (choice: JoinChoice) =>
    void (choice.newIdentity ? session.refreshIdentity() : Promise.resolve())
      .then(() => session.join({ roomId, ...choice }))
      .catch(() => {});

  if (state.phase !== 'joined' && state.phase !== 'reconnecting') {
    return (
      <div className="flex flex-col gap-4">
        {state.error && (
          <p role="alert" data-code={state.errorCode} className="mx-auto max-w-md rounded-md bg-red-500/10 p-3 text-sm text-red-300">
            {state.error}
          </p>
        )}
        {state.phase === 'left' && <p className="text-center text-sm text-gray-400">You left the room.</p>}
        <JoinForm
          roomName={room.name}
          busy={state.phase === 'joining'}
          onJoin={join}
          entry={{ sfuUrl: resolveSfuUrl(sfu), roomId, invite, inviteRole: room.inviteRole, visibility: room.visibility }}
        />
      </div>
    );
  }

  const musicians = state.peers;
  return (
    <div className="flex flex-col gap-5" data-testid="room" data-phase={state.phase} data-joins={state.joins}>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <h1 className="flex flex-wrap items-center gap-3 text-2xl font-semibold">
            {state.roomName}
            {session.recording && <RecordingBadge recording={session.recording} />}
          </h1>
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

      {state.ai && <AiPanel ai={state.ai} isHost={!!state.isHost} error={state.aiError} onControl={(r) => void session.controlAi(r)} />}
      {room.isOwner && <InvitePanel sfuUrl={resolveSfuUrl(sfu)} roomId={roomId} />}
      {session.metronome && <MetronomePanel session={session.metronome} isHost={!!state.isHost} />}

      <ParticipantsPanel
        state={state}
        onControl={(name, request) => void session.control(name, request)}
        onMicPaused={(paused) => void session.setMicPaused(paused)}
        onStartPlaying={() => void session.startPlaying()}
      />

      <PlayoutLine state={state} />
      <section aria-label="Mixer" className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-3">
        {state.self?.role === 'musician' && <MixerStrip id="self" name="My input" graph={session.graph} />}
        {musicians
          .filter((p) => p.producerId)
          .map((p) => (
            <MixerStrip
              key={p.id}
              id={p.id}
              name={p.displayName}
              graph={session.graph}
              settings={session.graph?.strip(p.id)}
              stats={p.stats}
              onChange={(s) => session.setStrip(p.id, s)}
              playoutMode={session.playoutMode(p.id)}
              onPlayoutMode={(mode) => {
                session.setPlayoutMode(p.id, mode);
                force((n) => n + 1);
              }}
            />
          ))}
        <MixerStrip id="master" name="What I hear" graph={session.graph} />
      </section>

      {session.recording && <RecordingsPanel recording={session.recording} isHost={!!state.isHost} canDelete={!!room.isOwner} />}
      {session.chat && <ChatPanel chat={session.chat} selfId={state.self?.id} />}
    </div>
  );
}

const noopSubscribe = () => () => {};

/** Which path plays what this page hears, and the room's latency: the slowest stream's mouth to ear. */
function PlayoutLine({ state }: { state: SessionState }) {
  const playout = state.playout;
  if (!playout) return null;
  const latencies = state.peers.map((p) => p.stats?.latencyMs).filter((v): v is number => v != null);
  const room = latencies.length ? Math.max(...latencies) : null;
  const usesOurs = playout.path === 'low-latency';
  return (
    <p className="text-xs text-gray-400" data-testid="playout" data-path={playout.path}>
      Playback: {usesOurs ? 'low-latency path (our jitter buffer)' : "the browser's path"}
      {playout.reason ? ` — ${playout.reason}` : ''}
      {room != null && (
        <>
          {' · '}room latency ≈ <span data-testid="room-latency">{room.toFixed(0)} ms</span> (mouth to ear, slowest stream)
        </>
      )}
      {' · '}
      <button
        className="underline"
        onClick={() => {
          localStorage.setItem(PLAYOUT_PREFERENCE_KEY, usesOurs ? 'browser' : 'low-latency');
          window.location.reload();
        }}
      >
        {usesOurs ? "use the browser's path (reloads the page)" : 'use the low-latency path (reloads the page)'}
      </button>
    </p>
  );
}
