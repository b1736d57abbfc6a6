'use client';

import type { RecordingSummary } from '@bandmate/shared';
import type { RecordingSession } from '../media/recording-session';
import { clock, useRecording } from './useRecordingElapsed';
import { Waveform } from './Waveform';

const when = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });

/**
 * The room's recordings: the host's Record/Stop button with the elapsed time, and every finished
 * recording with a waveform, a player and a download link per stem and for the mixdown; the
 * room's owner (`canDelete`) can delete a recording.
 */
export function RecordingsPanel({ recording, isHost, canDelete }: { recording: RecordingSession; isHost: boolean; canDelete: boolean }) {
  const { state, elapsedMs } = useRecording(recording);
  const { live } = state;
  return (
    <section aria-label="Recordings" className="rounded-xl border border-stage-800 bg-stage-900 p-4" data-testid="recordings">
      <div className="flex flex-wrap items-center gap-3">
        <h2 className="font-semibold">Recordings</h2>
        {live.active && (
          <span className="inline-flex items-center gap-2 text-sm text-red-300" data-testid="recording-indicator">
            <span className="h-2.5 w-2.5 animate-pulse rounded-full bg-red-500" aria-hidden />
            Recording <span className="tabular-nums" data-testid="recording-elapsed">{clock(elapsedMs)}</span>
            {live.startedBy && <span className="text-xs text-gray-400">· started by {live.startedBy}</span>}
          </span>
        )}
        {live.saving > 0 && (
          <span className="text-xs text-gray-400" data-testid="recording-saving">
            Saving {live.saving > 1 ? `${live.saving} recordings` : 'the recording'}…
          </span>
        )}
        <div className="ml-auto">
          {isHost ? (
            <button
              className={`rounded-md px-3 py-1 text-sm font-medium disabled:opacity-50 ${live.active ? 'bg-stage-700' : 'bg-red-600 text-white'}`}
              disabled={state.busy}
              onClick={() => void (live.active ? recording.stop() : recording.start())}
            >
              {live.active ? 'Stop recording' : 'Record'}
            </button>
          ) : (
            <span className="text-xs text-gray-500">The host starts and stops recordings</span>
          )}
        </div>
      </div>
      {state.notice && (
        <p role="status" className="mt-2 text-xs text-gray-300" data-testid="recording-notice">
          {state.notice}
        </p>
      )}
      {state.error && (
        <p role="alert" className="mt-2 text-xs text-red-300">
          {state.error}
        </p>
      )}
      {live.active && (
        <p className="mt-1 text-[11px] text-gray-500">Stops by itself after {Math.round(live.maxDurationMs / 60_000)} minutes.</p>
      )}
      <ol className="mt-3 flex flex-col gap-4">
        {state.loading && <li className="text-xs text-gray-500">Loading recordings…</li>}
        {!state.loading && state.recordings.length === 0 && <li className="text-xs text-gray-500">No recordings in this room yet.</li>}
        {state.recordings.map((r) => (
          <RecordingItem
            key={r.id}
            r={r}
            url={(t) => recording.trackUrl(t)}
            onDelete={canDelete && r.status !== 'recording' ? () => confirmDelete(recording, r) : undefined}
            deleting={state.deleting === r.id}
          />
        ))}
      </ol>
    </section>
  );
}

function confirmDelete(recording: RecordingSession, r: RecordingSummary): void {
  if (window.confirm(`Delete the recording of ${when(r.startedAt)} for everyone? Its files are removed from the server.`)) void recording.remove(r.id);
}

function RecordingItem({
  r,
  url,
  onDelete,
  deleting,
}: {
  r: RecordingSummary;
  url: (t: RecordingSummary['tracks'][number]) => string;
  onDelete?: () => void;
  deleting: boolean;
}) {
  return (
    <li className="rounded-lg border border-stage-800 p-3" data-testid="recording" data-recording-id={r.id} data-status={r.status}>
      <div className="mb-2 flex flex-wrap items-baseline gap-2 text-sm">
        <span className="font-medium">{when(r.startedAt)}</span>
        {r.durationMs != null && <span className="tabular-nums text-gray-400">{clock(r.durationMs)}</span>}
        {r.startedBy && <span className="text-xs text-gray-500">by {r.startedBy}</span>}
        {r.status !== 'ready' && (
          <span className={`rounded-full px-2 py-0.5 text-xs ${r.status === 'failed' ? 'bg-red-500/20 text-red-300' : 'bg-sky-500/20 text-sky-300'}`}>
            {r.status === 'failed' ? 'Failed' : 'Saving…'}
          </span>
        )}
        {onDelete && (
          <button
            className="ml-auto rounded-md px-2 py-0.5 text-xs text-red-300 hover:bg-red-500/10 disabled:opacity-50"
            disabled={deleting}
            onClick={onDelete}
            data-testid="recording-delete"
          >
            {deleting ? 'Deleting…' : 'Delete'}
          </button>
        )}
      </div>
      <ul className="flex flex-col gap-2">
        {r.tracks.map((t) => (
          <li
            key={t.id}
            className="grid grid-cols-1 items-center gap-2 sm:grid-cols-[9rem_1fr_auto]"
            data-testid="recording-track"
            data-kind={t.kind}
            data-label={t.label}
          >
            <span className={`truncate text-sm ${t.kind === 'mix' ? 'font-semibold' : ''}`}>
              {t.kind === 'ai' ? '🤖 ' : ''}
              {t.label}
            </span>
            <div className="flex min-w-0 flex-col gap-1">
              <Waveform peaks={t.peaks} label={t.label} />
              <audio controls preload="none" src={url(t)} className="h-8 w-full" aria-label={`Play ${t.label}`} />
            </div>
            <a href={url(t)} download className="rounded-md bg-stage-700 px-3 py-1 text-center text-xs hover:bg-stage-800">
              Download
            </a>
          </li>
        ))}
      </ul>
    </li>
  );
}
