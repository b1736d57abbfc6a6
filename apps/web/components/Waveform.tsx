/** A waveform preview drawn from peak levels (0…1), mirrored around the middle line. */
export function Waveform({ peaks, label, className = '' }: { peaks: number[]; label: string; className?: string }) {
  const n = Math.max(1, peaks.length);
  // One vertical stroke per point: a single path keeps the DOM small for 500 points.
  const d = peaks.map((p, i) => `M${i + 0.5} ${50 - Math.max(p, 0.01) * 48}V${50 + Math.max(p, 0.01) * 48}`).join('');
  return (
    <svg
      role="img"
      aria-label={`Waveform of ${label}`}
      viewBox={`0 0 ${n} 100`}
      preserveAspectRatio="none"
      className={`h-10 w-full text-accent ${className}`}
      data-testid="waveform"
      data-points={peaks.length}
    >
      <line x1="0" x2={n} y1="50" y2="50" stroke="currentColor" strokeOpacity="0.25" vectorEffect="non-scaling-stroke" />
      <path d={d} stroke="currentColor" strokeWidth="1" fill="none" />
    </svg>
  );
}
