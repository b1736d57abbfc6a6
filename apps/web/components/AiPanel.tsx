'use client';

import { useState } from 'react';
import type { AiMetrics, AiPlayer, AiRoomState } from '@bandmate/shared';

const LABEL: Record<AiPlayer['state'], string> = {
  stopped: 'Off',
  loading: 'Joining…',
  warming: 'Warming up…',
  playing: 'Playing',
  error: 'Problem',
};
const COLOR: Record<AiPlayer['state'], string> = {
  stopped: 'bg-stage-700 text-gray-300',
  loading: 'bg-sky-500/20 text-sky-300',
  warming: 'bg-amber-500/20 text-amber-300',
  playing: 'bg-emerald-500/20 text-emerald-300',
  error: 'bg-red-500/20 text-red-300',
};

export type AiControl =
  | { add: { instrument: string; volume?: number } }
  | { change: { playerId: string; instrument?: string; volume?: number } }
  | { remove: { playerId: string } };

/** The room's AI players: each one's state for everyone, the controls for the host. */
export function AiPanel(props: { ai: AiRoomState; isHost: boolean; error?: string; onControl: (request: AiControl) => void }) {
  const { ai, isHost, error, onControl } = props;
  const [instrument, setInstrument] = useState('');
  const chosen = ai.instruments.includes(instrument) ? instrument : (ai.instruments[0] ?? '');
  const full = ai.players.length >= ai.maxPlayers;
  return (
    <section aria-label="AI players" className="rounded-xl border border-stage-800 bg-stage-900 p-4" data-testid="ai-panel">
      <div className="flex flex-wrap items-center gap-3">
        <h2 className="font-semibold">🤖 AI players</h2>
        <span className="text-xs text-gray-400" data-testid="ai-count">
          {ai.players.length} of {ai.maxPlayers}
          {!ai.workerConnected && ' · no AI worker connected'}
        </span>
        {isHost ? (
          <div className="ml-auto flex flex-wrap items-center gap-2 text-sm">
            <select
              aria-label="New AI player's instrument"
              className="rounded-md border border-stage-700 bg-stage-950 px-2 py-1"
              value={chosen}
              disabled={ai.instruments.length === 0}
              onChange={(e) => setInstrument(e.target.value)}
            >
              {ai.instruments.length === 0 && <option value="">no AI worker</option>}
              {ai.instruments.map((i) => (
                <option key={i} value={i}>
                  {i}
                </option>
              ))}
            </select>
            <button
              className="rounded-md bg-accent px-3 py-1 font-medium text-black disabled:opacity-50"
              disabled={!chosen || full}
              title={full ? `at most ${ai.maxPlayers} AI players` : undefined}
              onClick={() => onControl({ add: { instrument: chosen } })}
            >
              Add AI player
            </button>
          </div>
        ) : (
          <span className="ml-auto text-xs text-gray-500">The host controls the AI players</span>
        )}
      </div>
      {error && (
        <p role="alert" className="mt-2 text-xs text-red-300" data-testid="ai-error">
          {error}
        </p>
      )}
      <ul className="mt-2 flex flex-col gap-2">
        {ai.players.map((p) => (
          <AiPlayerRow key={p.id} player={p} instruments={ai.instruments} isHost={isHost} onControl={onControl} />
        ))}
      </ul>
    </section>
  );
}

function AiPlayerRow(props: { player: AiPlayer; instruments: string[]; isHost: boolean; onControl: (request: AiControl) => void }) {
  const { player: p, instruments, isHost, onControl } = props;
  return (
    <li className="rounded-lg border border-stage-800 p-2" data-testid="ai-player" data-instrument={p.instrument} data-peer={p.peerId ?? ''}>
      <div className="flex flex-wrap items-center gap-3 text-sm">
        <span className="font-medium">AI · {p.instrument}</span>
        <span className={`rounded-full px-2 py-0.5 text-xs ${COLOR[p.state]}`} data-testid="ai-state" data-state={p.state}>
          {LABEL[p.state]}
        </span>
        {isHost && (
          <div className="ml-auto flex flex-wrap items-center gap-2">
            <select
              aria-label={`Instrument of AI ${p.instrument}`}
              className="rounded-md border border-stage-700 bg-stage-950 px-2 py-1"
              value={p.instrument}
              onChange={(e) => onControl({ change: { playerId: p.id, instrument: e.target.value } })}
            >
              {instruments.map((i) => (
                <option key={i} value={i}>
                  {i}
                </option>
              ))}
            </select>
            <label className="flex items-center gap-2 text-xs text-gray-400">
              Volume
              <input
                aria-label={`Volume of AI ${p.instrument}`}
                type="range"
                min={0}
                max={2}
                step={0.05}
                value={p.volume}
                onChange={(e) => onControl({ change: { playerId: p.id, volume: Number(e.target.value) } })}
              />
            </label>
            <button className="rounded-md bg-stage-700 px-3 py-1" onClick={() => onControl({ remove: { playerId: p.id } })}>
              Remove AI {p.instrument}
            </button>
          </div>
        )}
      </div>
      {p.message && <p className="mt-1 text-xs text-gray-400">{p.message}</p>}
      {p.metrics && p.state !== 'stopped' && <AiMetricsLine metrics={p.metrics} />}
    </li>
  );
}

const ms = (x: number | undefined) => (x === undefined ? '–' : `${x.toFixed(x < 10 ? 2 : 0)} ms`);

/** The worker's health as a musician or an operator reads it: can it keep up, is it late. */
function AiMetricsLine({ metrics: m }: { metrics: AiMetrics }) {
  const keepsUp = m.stepP99Ms !== undefined && m.kMs !== undefined ? m.stepP99Ms <= m.kMs : undefined;
  return (
    <dl className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-gray-400" data-testid="ai-metrics">
      <div title="model compute per chunk of k (median / 99th percentile)">
        <dt className="inline">step </dt>
        <dd className={`inline ${keepsUp === false ? 'text-red-300' : ''}`} data-testid="ai-step">
          {ms(m.stepMedianMs)} / {ms(m.stepP99Ms)} per {ms(m.kMs)}
        </dd>
      </div>
      <div
        title={`t_f: the AI plays each moment from the mix heard this long before it${
          m.tfFollows ? ` — chosen from the measured latency (jitter buffer, step time, SFU↔worker ${ms(m.networkMs)})` : ' (configured)'
        }`}
      >
        <dt className="inline">t_f </dt>
        <dd className="inline" data-testid="ai-tf">
          {ms(m.tfMs)}
          {m.tfFollows ? ' (measured)' : ''}
        </dd>
      </div>
      <div title="output frames not ready in time">
        <dt className="inline">late </dt>
        <dd className="inline" data-testid="ai-late">{m.lateFrames ?? '–'}</dd>
      </div>
      <div title="input frames concealed (late or lost packets)">
        <dt className="inline">concealed </dt>
        <dd className="inline">{m.concealedFrames ?? '–'}</dd>
      </div>
      <div title="the level follower's gain: how far the part is lifted to sit with the room's mix (before the volume)">
        <dt className="inline">level </dt>
        <dd className="inline">{m.followGainDb === undefined ? '–' : `${m.followGainDb > 0 ? '+' : ''}${m.followGainDb.toFixed(1)} dB`}</dd>
      </div>
      <div title="whether it plays to the room's metronome (a model that follows a beat grid, the metronome running)">
        <dt className="inline">grid </dt>
        <dd className="inline">{m.onGrid ? 'on' : 'off'}</dd>
      </div>
      <div title="output frames computed ahead of their send time">
        <dt className="inline">queue </dt>
        <dd className="inline" data-testid="ai-queue">{m.queueDepth ?? '–'}</dd>
      </div>
    </dl>
  );
}
