'use client';

import type { RecordingSession } from '../media/recording-session';
import { clock, useRecording } from './useRecordingElapsed';

/** Shown to everyone in the room while it is being recorded. */
export function RecordingBadge({ recording }: { recording: RecordingSession }) {
  const { state, elapsedMs } = useRecording(recording);
  if (!state.live.active) return null;
  return (
    <span
      role="status"
      className="inline-flex items-center gap-2 rounded-full bg-red-600/20 px-3 py-1 text-sm font-medium text-red-300"
      data-testid="recording-badge"
      title={state.live.startedBy ? `Started by ${state.live.startedBy}` : undefined}
    >
      <span className="h-2.5 w-2.5 animate-pulse rounded-full bg-red-500" aria-hidden />
      Recording <span className="tabular-nums">{clock(elapsedMs)}</span>
    </span>
  );
}
