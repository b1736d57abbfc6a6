import { collectDefaultMetrics, Registry } from 'prom-client';
import { mayScrape, SCRAPE_REFUSED } from '@bandmate/shared/scrape-access';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

// One registry per process (a module reloaded in development must not register twice).
const shared = globalThis as typeof globalThis & { bandmateWebMetrics?: Registry };
const registry =
  shared.bandmateWebMetrics ??
  (() => {
    const r = new Registry();
    collectDefaultMetrics({ register: r, prefix: 'bandmate_web_' });
    return (shared.bandmateWebMetrics = r);
  })();

/**
 * The web server's process metrics (CPU, memory, event-loop lag, handles) for Prometheus. With
 * METRICS_TOKEN set, only its bearer may read them; without it, only a request made to this
 * server directly on loopback (a proxied one carries X-Forwarded-For).
 */
export async function GET(request: Request) {
  // A route handler does not see the peer's address: a loopback Host stands for it (a remote
  // client naming one learns only this process's CPU and memory).
  const scrape = {
    authorization: request.headers.get('authorization'),
    forwarded: request.headers.has('x-forwarded-for'),
    loopback: /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(request.headers.get('host') ?? ''),
  };
  if (!mayScrape(scrape, process.env.METRICS_TOKEN || undefined)) return Response.json({ error: { code: 'forbidden', message: SCRAPE_REFUSED } }, { status: 403 });
  return new Response(await registry.metrics(), { headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' } });
}

