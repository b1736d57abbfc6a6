/** Horizontal dBFS meter, −60…0 dB; green → amber → red near clipping. */
export function LevelMeter({ db, label }: { db: number; label?: string }) {
  const pct = Number.isFinite(db) ? Math.max(0, Math.min(100, ((db + 60) / 60) * 100)) : 0;
  const color = db > -3 ? 'bg-red-500' : db > -12 ? 'bg-amber-400' : 'bg-emerald-500';
  return (
    <div className="flex items-center gap-1" title={`${Number.isFinite(db) ? db.toFixed(1) : '−∞'} dBFS`}>
      {label && <span className="w-3 text-[10px] text-gray-500">{label}</span>}
      <div className="h-2 flex-1 overflow-hidden rounded bg-stage-950">
        <div className={`h-full ${color} transition-[width] duration-75`} style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}
