'use client';

import type { MixerGraph, StripSettings } from '../media/mixer-graph';
import type { PlayoutMode } from '../media/playout/playout-buffer';
import { roomDepthAbove, SENDER_ESTIMATE_MS, type ReceiveStats } from '../media/receive-stats';
import { LevelMeters } from './LevelMeters';

const fmt = (v: number | null | undefined, unit: string, digits = 0) => (v == null ? '—' : `${v.toFixed(digits)} ${unit}`);

/** The fixed depths offered beside Auto, ms above the least network delay. */
const BUFFER_CHOICES_MS = [2, 5, 10, 20, 40, 80];

/** Where the mouth-to-ear figure comes from: measured parts and the sender's estimate. */
function latencyBreakdown(s: ReceiveStats): string {
  const part = (name: string, v: number | null) => `${name} ${v == null ? '?' : v.toFixed(1)} ms`;
  return [
    part('capture + codec at the sender (estimate)', SENDER_ESTIMATE_MS),
    part('network (RTT/2)', s.networkMs),
    part(s.path === 'low-latency' ? 'our jitter buffer' : "the browser's jitter buffer", s.bufferMs),
    part('output', s.outputMs),
  ].join(' + ');
}

export function MixerStrip(props: {
  id: string;
  name: string;
  /** The mixer whose meters this strip shows (none before the session has one). */
  graph?: MixerGraph;
  settings?: StripSettings;
  stats?: ReceiveStats;
  onChange?: (settings: Partial<StripSettings>) => void;
  /** Our playout path's buffer for this stream ("lower latency ↔ fewer dropouts"); absent on the browser's path. */
  playoutMode?: PlayoutMode;
  onPlayoutMode?: (mode: PlayoutMode) => void;
}) {
  const { settings, onChange } = props;
  return (
    <div className="rounded-lg border border-stage-700 bg-stage-800 p-3" data-testid={`strip-${props.id}`}>
      <div className="mb-2 flex items-center justify-between">
        <span className="truncate font-medium">{props.name}</span>
        {onChange && settings && (
          <button
            aria-label={`${settings.muted ? 'Unmute' : 'Mute'} ${props.name}`}
            aria-pressed={settings.muted}
            className={`rounded px-2 py-0.5 text-xs ${settings.muted ? 'bg-red-500 text-black' : 'bg-stage-700'}`}
            onClick={() => onChange({ muted: !settings.muted })}
          >
            {settings.muted ? 'Muted' : 'Mute'}
          </button>
        )}
      </div>
      <LevelMeters graph={props.graph} id={props.id} />
      {onChange && settings && (
        <div className="mt-3 grid grid-cols-[3rem_1fr] items-center gap-x-2 gap-y-1 text-xs text-gray-400">
          <label htmlFor={`gain-${props.id}`}>Gain</label>
          <input
            id={`gain-${props.id}`}
            aria-label={`Gain ${props.name}`}
            type="range"
            min={0}
            max={2}
            step={0.01}
            value={settings.gain}
            onChange={(e) => onChange({ gain: Number(e.target.value) })}
          />
          <label htmlFor={`pan-${props.id}`}>Pan</label>
          <input
            id={`pan-${props.id}`}
            aria-label={`Pan ${props.name}`}
            type="range"
            min={-1}
            max={1}
            step={0.05}
            value={settings.pan}
            onChange={(e) => onChange({ pan: Number(e.target.value) })}
          />
        </div>
      )}
      {props.playoutMode && props.onPlayoutMode && (
        <label className="mt-2 flex items-center justify-between gap-2 text-xs text-gray-400" title="Lower latency ↔ fewer dropouts">
          Buffer
          <select
            aria-label={`Buffer for ${props.name}`}
            className="rounded border border-stage-700 bg-stage-950 px-1 py-0.5"
            value={props.playoutMode.kind === 'auto' ? 'auto' : String(props.playoutMode.delayMs)}
            onChange={(e) => props.onPlayoutMode!(e.target.value === 'auto' ? { kind: 'auto' } : { kind: 'fixed', delayMs: Number(e.target.value) })}
          >
            <option value="auto">Auto</option>
            {BUFFER_CHOICES_MS.map((ms) => (
              <option key={ms} value={ms}>
                {ms} ms{ms <= 5 ? ' (lowest latency)' : ms >= 80 ? ' (fewest dropouts)' : ''}
              </option>
            ))}
          </select>
        </label>
      )}
      {props.stats && (
        <dl className="mt-2 grid grid-cols-2 gap-x-2 text-[11px] text-gray-400" data-testid={`stats-${props.id}`} data-path={props.stats.path}>
          <dt>Latency</dt>
          <dd data-testid={`latency-${props.id}`} title={latencyBreakdown(props.stats)}>
            {fmt(props.stats.latencyMs, 'ms')}
          </dd>
          <dt>Buffer</dt>
          <dd data-testid={`buffer-${props.id}`}>
            {fmt(props.stats.bufferMs, 'ms', 1)}
            {props.stats.bufferMode === 'auto' && props.stats.bufferTargetMs != null ? ` (auto ${props.stats.bufferTargetMs.toFixed(0)})` : ''}
            {roomDepthAbove(props.stats) && (
              <span data-testid={`own-depth-${props.id}`} title="Every stream plays at the room's depth, the deepest any needs, so parts played together are heard together; this one alone would need less">
                {` room's; own ${props.stats.bufferOwnTargetMs!.toFixed(0)}`}
              </span>
            )}
          </dd>
          <dt>Dropouts</dt>
          <dd data-testid={`dropouts-${props.id}`}>{fmt(props.stats.dropoutsPerMinute, '/min', 1)}</dd>
          <dt>Jitter</dt>
          <dd>{fmt(props.stats.jitterMs, 'ms', 1)}</dd>
          <dt>Loss</dt>
          <dd>{fmt(props.stats.lossPercent, '%', 1)}</dd>
          {props.stats.passedOn && (
            <dd className="col-span-2 text-amber-300" data-testid={`passed-on-${props.id}`}>
              Browser&apos;s buffer: {props.stats.passedOn}
            </dd>
          )}
        </dl>
      )}
    </div>
  );
}
