'use client';

import type { AiMetrics, AiState } from '@bandmate/shared';

const LABEL: Record<AiState['state'], string> = {
  stopped: 'Off',
  loading: 'Joining…',
  warming: 'Warming up…',
  playing: 'Playing',
  error: 'Problem',
};
const COLOR: Record<AiState['state'], string> = {
  stopped: 'bg-stage-700 text-gray-300',
  loading: 'bg-sky-500/20 text-sky-300',
  warming: 'bg-amber-500/20 text-amber-300',
  playing: 'bg-emerald-500/20 text-emerald-300',
  error: 'bg-red-500/20 text-red-300',
};

/** The AI band member: its state for everyone, its controls for the host. */
export function AiPanel(props: {
  ai: AiState;
  isHost: boolean;
  onChange: (request: { enabled: boolean; instrument?: string; volume?: number }) => void;
}) {
  const { ai, isHost, onChange } = props;
  return (
    <section aria-label="AI band member" className="rounded-xl border border-stage-800 bg-stage-900 p-4" data-testid="ai-panel">
      <div className="flex flex-wrap items-center gap-3">
        <h2 className="font-semibold">🤖 AI band member</h2>
        <span className={`rounded-full px-2 py-0.5 text-xs ${COLOR[ai.state]}`} data-testid="ai-state" data-state={ai.state}>
          {LABEL[ai.state]}
          {ai.instrument && ai.state !== 'stopped' ? ` · ${ai.instrument}` : ''}
        </span>
        {isHost ? (
          <div className="ml-auto flex flex-wrap items-center gap-3 text-sm">
            <select
              aria-label="AI instrument"
              className="rounded-md border border-stage-700 bg-stage-950 px-2 py-1"
              value={ai.instrument ?? ''}
              disabled={ai.instruments.length === 0}
              onChange={(e) => onChange({ enabled: ai.enabled, instrument: e.target.value })}
            >
              {ai.instruments.length === 0 && <option value="">no AI worker</option>}
              {ai.instruments.map((i) => (
                <option key={i} value={i}>
                  {i}
                </option>
              ))}
            </select>
            <label className="flex items-center gap-2 text-xs text-gray-400">
              Volume
              <input
                aria-label="AI volume"
                type="range"
                min={0}
                max={1.5}
                step={0.05}
                value={ai.volume}
                onChange={(e) => onChange({ enabled: ai.enabled, volume: Number(e.target.value) })}
              />
            </label>
            <button
              className={`rounded-md px-3 py-1 font-medium ${ai.enabled ? 'bg-stage-700' : 'bg-accent text-black'}`}
              onClick={() => onChange({ enabled: !ai.enabled })}
            >
              {ai.enabled ? 'Switch AI off' : 'Switch AI on'}
            </button>
          </div>
        ) : (
          <span className="ml-auto text-xs text-gray-500">The host controls the AI</span>
        )}
      </div>
      {ai.message && <p className="mt-2 text-xs text-gray-400">{ai.message}</p>}
      {ai.metrics && ai.state !== 'stopped' && <AiMetricsLine metrics={ai.metrics} />}
    </section>
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
      <div title="t_f: the AI plays each moment from the mix heard this long before it">
        <dt className="inline">t_f </dt>
        <dd className="inline">{ms(m.tfMs)}</dd>
      </div>
      <div title="output frames not ready in time">
        <dt className="inline">late </dt>
        <dd className="inline" data-testid="ai-late">{m.lateFrames ?? '–'}</dd>
      </div>
      <div title="input frames concealed (late or lost packets)">
        <dt className="inline">concealed </dt>
        <dd className="inline">{m.concealedFrames ?? '–'}</dd>
      </div>
      <div title="output frames computed ahead of their send time">
        <dt className="inline">queue </dt>
        <dd className="inline" data-testid="ai-queue">{m.queueDepth ?? '–'}</dd>
      </div>
    </dl>
  );
}
