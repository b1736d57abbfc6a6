'use client';

import { useEffect, useState, useSyncExternalStore, type FormEvent } from 'react';
import { TEMPO_LIMITS, type Beat } from '@bandmate/shared';
import type { MetronomeSession } from '../media/metronome-session';

const signed = (ms: number) => `${ms >= 0 ? '+' : '−'}${Math.abs(ms).toFixed(1)} ms`;

/** The beat sounding now, re-read every animation frame while the metronome runs. */
function useCurrentBeat(session: MetronomeSession, running: boolean): Beat | null {
  const [beat, setBeat] = useState<Beat | null>(null);
  useEffect(() => {
    if (!running) {
      setBeat(null);
      return;
    }
    let frame = 0;
    const loop = () => {
      const next = session.currentBeat();
      setBeat((prev) => (prev?.index === next?.index ? prev : next));
      frame = requestAnimationFrame(loop);
    };
    frame = requestAnimationFrame(loop);
    return () => cancelAnimationFrame(frame);
  }, [session, running]);
  return beat;
}

/** Tempo, metre and the click for everyone; start, stop and tempo controls for the host. */
export function MetronomePanel({ session, isHost }: { session: MetronomeSession; isHost: boolean }) {
  const state = useSyncExternalStore(session.subscribe, () => session.state, () => session.state);
  const { tempo, clock } = state;
  const beat = useCurrentBeat(session, tempo.running);
  const [bpmDraft, setBpmDraft] = useState(String(tempo.bpm));
  useEffect(() => setBpmDraft(String(tempo.bpm)), [tempo.bpm]);

  const submitBpm = (e: FormEvent) => {
    e.preventDefault();
    void session.setTempo({ bpm: Number(bpmDraft) });
  };
  const status = !tempo.running ? 'Stopped' : beat?.countIn ? 'Count-in' : beat ? 'Playing' : 'Starting…';

  return (
    <section aria-label="Metronome" className="rounded-xl border border-stage-800 bg-stage-900 p-4" data-testid="metronome">
      <div className="flex flex-wrap items-center gap-3">
        <h2 className="font-semibold">Metronome</h2>
        <span className="text-sm" data-testid="tempo" data-bpm={tempo.bpm} data-beats-per-bar={tempo.beatsPerBar}>
          ♩ = {tempo.bpm} · {tempo.beatsPerBar}/4
        </span>
        <span className="rounded-full bg-stage-800 px-2 py-0.5 text-xs" data-testid="metronome-status" data-running={tempo.running}>
          {status}
        </span>
        <ol className="flex gap-1" aria-label="Beats of the bar">
          {Array.from({ length: tempo.beatsPerBar }, (_, i) => (
            <li
              key={i}
              className={`h-3 w-3 rounded-full ${beat?.beatInBar === i ? (i === 0 ? 'bg-accent' : 'bg-sky-400') : 'bg-stage-700'}`}
            />
          ))}
        </ol>
        <span className="ml-auto text-xs text-gray-400" data-testid="clock-offset" title="The server's clock minus this page's, from the quickest of the recent pings; ± is half that ping's round trip">
          {clock ? `Clock offset ${signed(clock.offsetMs)} ± ${clock.uncertaintyMs.toFixed(1)} ms` : 'Syncing clock…'}
        </span>
      </div>

      <div className="mt-3 flex flex-wrap items-center gap-4 text-sm">
        {isHost ? (
          <>
            <form className="flex items-center gap-2" onSubmit={submitBpm}>
              <label htmlFor="metronome-bpm" className="text-xs text-gray-400">
                BPM
              </label>
              <input
                id="metronome-bpm"
                aria-label="BPM"
                type="number"
                min={TEMPO_LIMITS.bpmMin}
                max={TEMPO_LIMITS.bpmMax}
                className="w-20 rounded-md border border-stage-700 bg-stage-950 px-2 py-1"
                value={bpmDraft}
                onChange={(e) => setBpmDraft(e.target.value)}
              />
              <button type="submit" className="rounded-md bg-stage-700 px-2 py-1 text-xs">
                Set tempo
              </button>
            </form>
            <label className="flex items-center gap-2 text-xs text-gray-400">
              Beats per bar
              <select
                aria-label="Beats per bar"
                className="rounded-md border border-stage-700 bg-stage-950 px-2 py-1 text-sm text-gray-100"
                value={tempo.beatsPerBar}
                onChange={(e) => void session.setTempo({ beatsPerBar: Number(e.target.value) })}
              >
                {Array.from({ length: TEMPO_LIMITS.beatsPerBarMax }, (_, i) => i + 1).map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </label>
            <button
              className={`rounded-md px-3 py-1 font-medium ${tempo.running ? 'bg-stage-700' : 'bg-accent text-black'}`}
              onClick={() => void (tempo.running ? session.stop() : session.start())}
            >
              {tempo.running ? 'Stop metronome' : 'Start metronome'}
            </button>
          </>
        ) : (
          <span className="text-xs text-gray-500">The host sets the tempo and starts the metronome</span>
        )}
        <div className="ml-auto flex items-center gap-2 text-xs text-gray-400">
          <label htmlFor="click-volume">Click</label>
          <input
            id="click-volume"
            aria-label="Click volume"
            type="range"
            min={0}
            max={1.5}
            step={0.05}
            value={state.volume}
            onChange={(e) => session.setVolume({ volume: Number(e.target.value) })}
          />
          <button
            aria-pressed={state.muted}
            className={`rounded px-2 py-0.5 ${state.muted ? 'bg-red-500 text-black' : 'bg-stage-700'}`}
            onClick={() => session.setVolume({ muted: !state.muted })}
          >
            {state.muted ? 'Unmute click' : 'Mute click'}
          </button>
        </div>
      </div>
      {state.error && (
        <p role="alert" className="mt-2 text-xs text-red-300" data-testid="metronome-error">
          {state.error}
        </p>
      )}
    </section>
  );
}
