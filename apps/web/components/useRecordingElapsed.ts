'use client';

import { useEffect, useState, useSyncExternalStore } from 'react';
import type { RecordingSession, RecordingViewState } from '../media/recording-session';

/** The recording's state, and its elapsed time ticking while it records. */
export function useRecording(recording: RecordingSession): { state: RecordingViewState; elapsedMs: number } {
  const state = useSyncExternalStore(recording.subscribe, () => recording.state, () => recording.state);
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    if (!state.live.active) return;
    const timer = setInterval(() => setNow(performance.now()), 250);
    return () => clearInterval(timer);
  }, [state.live.active]);
  return { state, elapsedMs: recording.elapsedMs(Math.max(now, state.liveAt)) };
}

/** 83 000 → "1:23"; an hour and more → "1:02:03". */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}
