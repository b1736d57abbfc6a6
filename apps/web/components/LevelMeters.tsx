'use client';

import { useEffect, useRef, type RefObject } from 'react';
import type { MixerGraph } from '../media/mixer-graph';
import { onMeterTick } from './meter-clock';

const COLORS = { clip: 'bg-red-500', hot: 'bg-amber-400', ok: 'bg-emerald-500' } as const;

/** −60…0 dBFS as a 0…1 bar, in steps of 1/200 (finer is invisible and would only redraw more). */
const fraction = (db: number) => (Number.isFinite(db) ? Math.round(Math.max(0, Math.min(1, (db + 60) / 60)) * 200) / 200 : 0);
const color = (db: number) => (db > -3 ? COLORS.clip : db > -12 ? COLORS.hot : COLORS.ok);

/**
 * Draws one bar: a compositor-only transform, written only when the bar visibly changes (a width
 * animated in CSS relaid out the page every frame).
 */
function draw(bar: HTMLDivElement | null, db: number | undefined): void {
  if (!bar) return;
  const level = db ?? -Infinity;
  const f = fraction(level);
  if (bar.dataset.fraction !== String(f)) {
    bar.dataset.fraction = String(f);
    bar.style.transform = `scaleX(${f})`;
  }
  const c = color(level);
  if (bar.dataset.color !== c) {
    bar.classList.remove(...Object.values(COLORS));
    bar.classList.add(c);
    bar.dataset.color = c;
  }
  const title = `${Number.isFinite(level) ? level.toFixed(0) : '−∞'} dBFS`;
  if (bar.parentElement && bar.parentElement.title !== title) bar.parentElement.title = title;
}

function Bar({ label, barRef }: { label: string; barRef: RefObject<HTMLDivElement | null> }) {
  return (
    <div className="flex items-center gap-1">
      <span className="w-3 text-[10px] text-gray-500">{label}</span>
      <div className="h-2 flex-1 overflow-hidden rounded bg-stage-950" title="−∞ dBFS">
        <div ref={barRef} className={`h-full origin-left ${COLORS.ok}`} style={{ transform: 'scaleX(0)' }} />
      </div>
    </div>
  );
}

/** Left and right dBFS meters of one mixer source (a peer, 'self' or 'master'), green → amber → red near clipping. */
export function LevelMeters({ graph, id }: { graph?: MixerGraph; id: string }) {
  const left = useRef<HTMLDivElement>(null);
  const right = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!graph) return;
    return onMeterTick(() => {
      const levels = graph.levels(id);
      draw(left.current, levels?.left);
      draw(right.current, levels?.right);
    });
  }, [graph, id]);
  return (
    <>
      <Bar label="L" barRef={left} />
      <div className="h-1" />
      <Bar label="R" barRef={right} />
    </>
  );
}
