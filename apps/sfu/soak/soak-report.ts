// How the soak prints what it sampled: one row per sample, and the trend of a series.
import type { ProbeSample } from './process-probe.ts';
import type { BrowserSample } from './soak-browsers.ts';

interface RowView {
  t: number;
  sfu: ProbeSample & Record<string, number>;
  ai: ProbeSample;
  workerRssMb: number;
  workerCpu: number;
  aiLate: number;
  aiConcealed: number;
  recordingsSaved: number;
  browsers?: BrowserSample;
}

const columns: Array<[string, (r: RowView) => string]> = [
  ['min', (r) => (r.t / 60).toFixed(1)],
  ['sfu rss', (r) => r.sfu.rssMb.toFixed(1)],
  ['sfu heap', (r) => r.sfu.heapMb.toFixed(2)],
  // Outside the JS heap but held by JS (Buffers, ArrayBuffers): tells their growth from the allocator's.
  ['sfu buffers', (r) => r.sfu.externalMb.toFixed(2)],
  ['sfu eld p99', (r) => r.sfu.eldP99Ms.toFixed(1)],
  ['sfu handles', (r) => String(r.sfu.handles)],
  ['sfu fds', (r) => String(r.sfu.fds)],
  ['ms rss', (r) => r.workerRssMb.toFixed(1)],
  ['ms cpu %', (r) => (r.workerCpu * 100).toFixed(1)],
  ['ai rss', (r) => r.ai.rssMb.toFixed(1)],
  ['ai heap', (r) => r.ai.heapMb.toFixed(2)],
  ['ai eld p99', (r) => r.ai.eldP99Ms.toFixed(1)],
  ['ai fds', (r) => String(r.ai.fds)],
  ['rooms', (r) => String(r.sfu.rooms)],
  ['pkts in', (r) => String(r.sfu.packets)],
  ['lost', (r) => String(r.sfu.lost)],
  ['ai late', (r) => String(r.aiLate)],
  ['ai concealed', (r) => String(r.aiConcealed)],
  ['recs saved', (r) => String(r.recordingsSaved)],
  // Real browser pages (soak-browsers.ts): in the room, streams and the browser musician's level at the listener, worst loss, the listener page's heap, Chromium, the web server.
  ['pages in', (r) => (r.browsers ? `${r.browsers.joined}/${r.browsers.pages}` : '-')],
  ['page hears', (r) => (r.browsers ? `${r.browsers.streams} @ ${r.browsers.toneDb?.toFixed(1) ?? '-'} dB` : '-')],
  ['page loss %', (r) => (r.browsers ? r.browsers.lossPercent.toFixed(2) : '-')],
  ['page heap', (r) => (r.browsers ? r.browsers.pageHeapMb.toFixed(1) : '-')],
  ['chromium rss', (r) => (r.browsers ? r.browsers.chromiumRssMb.toFixed(0) : '-')],
  ['web rss', (r) => (r.browsers ? r.browsers.webRssMb.toFixed(1) : '-')],
];

export const table = {
  header: `| ${columns.map(([name]) => name).join(' | ')} |\n|${columns.map(() => '---').join('|')}|`,
  row: (r: RowView) => `| ${columns.map(([, cell]) => cell(r)).join(' | ')} |`,
};

/** Least-squares slope of (seconds, MB) points, in MB per hour; 0 with fewer than two points. */
export function slopePerHour(points: Array<[number, number]>): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 3600;
}
