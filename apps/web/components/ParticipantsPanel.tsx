'use client';

import type { HostControlRequestName, RequestOf } from '@bandmate/shared';
import type { RemotePeer, SessionState } from '../media/room-session';

type Control = <N extends HostControlRequestName>(name: N, request: RequestOf<N>) => void;

const badge = 'rounded-full px-2 py-0.5 text-[11px]';
const button = 'rounded px-2 py-0.5 text-xs bg-stage-700 hover:bg-stage-800 disabled:opacity-40';

/**
 * Who is in the room, with roles, host and mute state for everyone; the host also gets the
 * controls (the server enforces them: a hidden button is not the rule).
 */
export function ParticipantsPanel(props: {
  state: SessionState;
  onControl: Control;
  onMicPaused: (paused: boolean) => void;
  onStartPlaying: () => void;
}) {
  const { state, onControl } = props;
  const self = state.self;
  const isHost = !!state.isHost;
  return (
    <section aria-label="Participants" className="rounded-xl border border-stage-800 bg-stage-900 p-4" data-testid="participants">
      <div className="mb-2 flex flex-wrap items-center gap-3">
        <h2 className="text-sm uppercase tracking-wide text-gray-400">In the room ({state.peers.length + 1})</h2>
        <span
          className={`${badge} ${state.locked ? 'bg-amber-500/20 text-amber-300' : 'bg-stage-700 text-gray-300'}`}
          data-testid="room-lock"
          data-locked={state.locked ? 'true' : 'false'}
        >
          {state.locked ? '🔒 Locked: nobody new can join' : 'Open to newcomers'}
        </span>
        {isHost && (
          <button className={`${button} ml-auto`} onClick={() => onControl('lockRoom', { locked: !state.locked })}>
            {state.locked ? 'Unlock room' : 'Lock room'}
          </button>
        )}
      </div>
      {state.notice && (
        <p role="status" className="mb-2 rounded-md bg-sky-500/10 p-2 text-xs text-sky-200" data-testid="host-notice">
          {state.notice}
        </p>
      )}
      <ul className="flex flex-col gap-1" data-testid="presence">
        {self && (
          <li className="flex flex-wrap items-center gap-2 rounded-md bg-accent/10 px-3 py-1 text-sm" data-peer-id={self.id} data-self="true">
            <span>{self.displayName} (you)</span>
            <States peer={self} hostId={state.hostId} />
            {self.role === 'musician' && state.publishing && (
              <button
                className={button}
                disabled={!!self.hostMuted}
                title={self.hostMuted ? 'Only the host can unmute you' : undefined}
                onClick={() => props.onMicPaused(!state.micPaused)}
              >
                {state.micPaused ? 'Unmute my mic' : 'Mute my mic'}
              </button>
            )}
            {self.role === 'musician' && !state.publishing && (
              <button className={button} onClick={props.onStartPlaying}>
                Start playing
              </button>
            )}
          </li>
        )}
        {state.peers.map((p) => {
          const isAi = !!state.ai?.players.some((player) => player.peerId === p.id);
          return (
          <li key={p.id} className="flex flex-wrap items-center gap-2 rounded-md bg-stage-800 px-3 py-1 text-sm" data-peer-id={p.id}>
            <span>{p.displayName}</span>
            <States peer={p} hostId={state.hostId} isAi={isAi} />
            {isHost && !isAi && <HostControls peer={p} onControl={onControl} />}
          </li>
          );
        })}
      </ul>
    </section>
  );
}

function States({ peer, hostId, isAi }: { peer: RemotePeer; hostId?: string | null; isAi?: boolean }) {
  return (
    <span className="flex gap-1" data-testid={`states-${peer.displayName}`}>
      {peer.id === hostId && <span className={`${badge} bg-accent/30 text-accent`}>host</span>}
      {isAi && <span className={`${badge} bg-stage-700 text-gray-300`}>AI</span>}
      <span className={`${badge} bg-stage-700 text-gray-300`} data-role={peer.role}>
        {peer.role === 'listener' ? 'listening' : 'musician'}
      </span>
      {peer.hostMuted && (
        <span className={`${badge} bg-red-500/20 text-red-300`} data-muted="true">
          muted by host
        </span>
      )}
    </span>
  );
}

/** Labels name the participant so each button is findable and says what it does to whom. */
function HostControls({ peer, onControl }: { peer: RemotePeer; onControl: Control }) {
  const who = peer.displayName;
  return (
    <span className="ml-auto flex flex-wrap gap-1">
      <button
        className={button}
        aria-label={`${peer.hostMuted ? 'Unmute' : 'Mute'} for everyone: ${who}`}
        onClick={() => onControl('muteParticipant', { peerId: peer.id, muted: !peer.hostMuted })}
      >
        {peer.hostMuted ? 'Unmute' : 'Mute'}
      </button>
      <button
        className={button}
        aria-label={`${peer.role === 'listener' ? 'Let play' : 'Make listen-only'}: ${who}`}
        onClick={() => onControl('setParticipantRole', { peerId: peer.id, role: peer.role === 'listener' ? 'musician' : 'listener' })}
      >
        {peer.role === 'listener' ? 'Let play' : 'Listen only'}
      </button>
      <button className={button} aria-label={`Make host: ${who}`} disabled={peer.role !== 'musician'} onClick={() => onControl('handOverHost', { peerId: peer.id })}>
        Make host
      </button>
      <button className={`${button} text-red-300`} aria-label={`Remove from room: ${who}`} onClick={() => onControl('removeParticipant', { peerId: peer.id })}>
        Remove
      </button>
    </span>
  );
}
