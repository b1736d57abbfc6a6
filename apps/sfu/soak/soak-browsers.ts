// Real browsers in the soak (issue 12): the web app (next start) and Chromium pages that join a room
// through its page as people do, one playing a tone from its fake microphone, one listening. Each
// sample reads what the pages hear (levels, loss, dropouts from the page's own receive stats), the
// listener page's JS heap after a GC (our web code's memory), and the RSS of Chromium and the web
// server.
import path from 'node:path';
import type { Browser, CDPSession, Page } from '@playwright/test';
import { chromium } from '@playwright/test';
import { CHROMIUM_PATH, chromiumArgs } from '../../../e2e/support/browsers.ts';
import { writeToneWav } from '../../../e2e/support/wav.ts';
// @ts-expect-error plain ESM script without types
import { startProcess, waitForHttp } from '../../../scripts/lib/processes.mjs';
// @ts-expect-error plain ESM script without types
import { buildWeb } from '../../../scripts/lib/web-build.mjs';
import { childPids, descendantPids, procStat } from './proc-stat.ts';

export interface BrowserSample {
  /** Pages in the room now, of all started. */
  joined: number;
  pages: number;
  /** Streams the listener receives, and the level it hears the browser musicians' tones at (the quietest; sent at −9 dBFS RMS). */
  streams: number;
  toneDb: number | null;
  /** Worst loss over the streams the pages receive, %; and their concealed dropouts per minute. */
  lossPercent: number;
  dropoutsPerMinute: number;
  /** The stream with the most dropouts a minute: its sender, path, dropouts, playing time and buffer. */
  worstStream: string;
  /** The listener page's JS heap after a garbage collection, MB. */
  pageHeapMb: number;
  /** Chromium's processes and the web server, MB. */
  chromiumRssMb: number;
  webRssMb: number;
}

interface SoakPage {
  browser: Browser;
  page: Page;
  cdp: CDPSession;
  role: 'musician' | 'listener';
}

export class SoakBrowsers {
  private constructor(
    private readonly pages: SoakPage[],
    private readonly web: { child: { pid?: number }; stop(): Promise<void> },
  ) {}

  /** Builds the web app if its build is stale, serves it on `webPort`, and joins the pages to `roomId`. */
  static async start(options: { root: string; sfuUrl: string; webPort: number; roomId: string; musicians: number; listeners: number; dir: string }): Promise<SoakBrowsers> {
    buildWeb(options.root);
    const web = startProcess('web', process.execPath, [path.join(options.root, 'node_modules/next/dist/bin/next'), 'start', '-p', String(options.webPort)], {
      cwd: path.join(options.root, 'apps/web'),
      env: { SFU_PUBLIC_URL: options.sfuUrl, NEXT_TELEMETRY_DISABLED: '1' },
      quiet: true,
    });
    const webUrl = `http://127.0.0.1:${options.webPort}`;
    await waitForHttp(`${webUrl}/health`, { proc: web });
    const pages: SoakPage[] = [];
    const roles = [...Array(options.musicians).fill('musician'), ...Array(options.listeners).fill('listener')] as Array<'musician' | 'listener'>;
    for (const [i, role] of roles.entries()) {
      const wav = role === 'musician' ? writeToneWav(path.join(options.dir, `browser-${i}.wav`), { left: 440 + 110 * i, right: 660 + 110 * i }) : undefined;
      const media = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', ...(wav ? [`--use-file-for-fake-audio-capture=${wav}`] : [])];
      const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: chromiumArgs(media) });
      const page = await (await browser.newContext({ baseURL: webUrl })).newPage();
      await page.goto(`/room/${options.roomId}`);
      await page.getByLabel('Display name').fill(`Browser ${i + 1}`);
      await page.getByLabel(role === 'musician' ? 'Play (send my instrument)' : 'Listen only').check();
      await page.getByRole('button', { name: 'Join' }).click();
      await page.locator('[data-testid=room][data-phase=joined]').waitFor({ timeout: 30_000 });
      pages.push({ browser, page, cdp: await page.context().newCDPSession(page), role });
    }
    return new SoakBrowsers(pages, web);
  }

  async sample(): Promise<BrowserSample> {
    const views = await Promise.all(
      this.pages.map(({ page }) =>
        page
          .evaluate(() => {
            const session = window.__bandmate;
            const peers = session?.state.peers.filter((p) => p.producerId) ?? [];
            return {
              joined: session?.state.phase === 'joined',
              streams: peers.length,
              levels: peers.filter((p) => p.displayName.startsWith('Browser ')).map((p) => session?.graph?.analyse(p.id)?.left.rmsDb ?? -Infinity),
              loss: peers.map((p) => p.stats?.lossPercent ?? 0),
              dropouts: peers.map((p) => p.stats?.dropoutsPerMinute ?? 0),
              detail: peers.map((p) => {
                const ours = session?.playoutStats(p.id) as (Record<string, number> | undefined);
                // On our path: how late frames came to the buffer, and to the decoder worker before it (p99/max, ms).
                const lateness = ours ? `, late ${ours.latenessP99Ms}/${ours.latenessMaxMs}, upstream ${ours.upstreamLatenessP99Ms?.toFixed(0) ?? '?'}/${ours.upstreamLatenessMaxMs?.toFixed(0) ?? '?'} ms` : '';
                return `${p.displayName} ${p.stats?.path ?? '?'} ${p.stats?.dropouts ?? '?'} in ${p.stats?.playingSeconds?.toFixed(0) ?? '?'} s, buffer ${p.stats?.bufferMs?.toFixed(0) ?? '?'}/${p.stats?.bufferTargetMs?.toFixed(0) ?? '-'} ms${lateness}`;
              }),
            };
          })
          .catch(() => ({ joined: false, streams: 0, levels: [] as number[], loss: [] as number[], dropouts: [] as number[], detail: [] as string[] })),
      ),
    );
    const listener = this.pages.findIndex((p) => p.role === 'listener');
    const heard = listener >= 0 ? views[listener]! : undefined;
    let pageHeapMb = 0;
    const cdp = this.pages[Math.max(0, listener)]?.cdp;
    if (cdp) {
      await cdp.send('HeapProfiler.collectGarbage').catch(() => {});
      pageHeapMb = ((await cdp.send('Runtime.getHeapUsage').catch(() => ({ usedSize: 0 }))).usedSize as number) / (1024 * 1024);
    }
    return {
      joined: views.filter((v) => v.joined).length,
      pages: this.pages.length,
      streams: heard?.streams ?? 0,
      toneDb: heard && heard.levels.length > 0 ? Math.min(...heard.levels) : null,
      lossPercent: Math.max(0, ...views.flatMap((v) => v.loss)),
      dropoutsPerMinute: Math.max(0, ...views.flatMap((v) => v.dropouts)),
      worstStream: worst(views),
      pageHeapMb,
      // Playwright starts each Chromium as a child of this process.
      chromiumRssMb: childPids(process.pid, path.basename(CHROMIUM_PATH)).reduce((n, pid) => n + treeRssMb(pid), 0),
      webRssMb: treeRssMb(this.web.child.pid),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.pages.map((p) => p.browser.close().catch(() => {})));
    await this.web.stop();
  }
}

function worst(views: Array<{ dropouts: number[]; detail: string[] }>): string {
  let best = { rate: -1, detail: '' };
  for (const [p, view] of views.entries()) {
    for (const [i, rate] of view.dropouts.entries()) if (rate > best.rate) best = { rate, detail: `page ${p + 1}: ${view.detail[i]}` };
  }
  return best.detail;
}

/** RSS of a process and all its descendants (Chromium's renderers, GPU and utility processes). */
function treeRssMb(pid: number | undefined): number {
  if (!pid) return 0;
  return [pid, ...descendantPids(pid)].reduce((n, p) => n + (procStat(p)?.rssMb ?? 0), 0);
}
