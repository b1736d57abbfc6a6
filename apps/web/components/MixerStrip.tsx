'use client';

import type { StripLevels, StripSettings } from '../media/mixer-graph';
import type { ReceiveStats } from '../media/receive-stats';
import { LevelMeter } from './LevelMeter';

const fmt = (v: number | null | undefined, unit: string, digits = 0) => (v == null ? '—' : `${v.toFixed(digits)} ${unit}`);

export function MixerStrip(props: {
  id: string;
  name: string;
  levels?: StripLevels;
  settings?: StripSettings;
  stats?: ReceiveStats;
  onChange?: (settings: Partial<StripSettings>) => void;
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
      <LevelMeter label="L" db={props.levels?.left ?? -Infinity} />
      <div className="h-1" />
      <LevelMeter label="R" db={props.levels?.right ?? -Infinity} />
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
      {props.stats && (
        <dl className="mt-2 grid grid-cols-2 gap-x-2 text-[11px] text-gray-400" data-testid={`stats-${props.id}`}>
          <dt>Latency</dt>
          <dd>{fmt(props.stats.latencyMs, 'ms')}</dd>
          <dt>Jitter</dt>
          <dd>{fmt(props.stats.jitterMs, 'ms', 1)}</dd>
          <dt>Loss</dt>
          <dd>{fmt(props.stats.lossPercent, '%', 1)}</dd>
        </dl>
      )}
    </div>
  );
}
