import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { isLoopbackAddress, mayScrape, SCRAPE_REFUSED } from '@bandmate/shared/scrape-access';

/**
 * GET /metrics (Prometheus text format) and the health checks an orchestrator needs:
 * /health/live (the process answers) and /health/ready (it can take rooms now: `ready()` says
 * what is missing, e.g. the database, or no live mediasoup worker). /health stays as it was.
 */
export function metricsRoutes(options: { registry: Registry; token?: string; ready: () => Promise<string[]> }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (path === '/metrics') {
      const scrape = { authorization: req.headers.authorization, forwarded: req.headers['x-forwarded-for'] !== undefined, loopback: isLoopbackAddress(req.socket.remoteAddress) };
      if (!mayScrape(scrape, options.token)) {
        send(res, 403, 'application/json', JSON.stringify({ error: { code: 'forbidden', message: SCRAPE_REFUSED } }));
        return true;
      }
      send(res, 200, options.registry.contentType, await options.registry.metrics());
      return true;
    }
    if (path === '/health/live') {
      send(res, 200, 'application/json', JSON.stringify({ status: 'alive' }));
      return true;
    }
    if (path === '/health/ready') {
      const missing = await options.ready().catch((err: Error) => [`readiness check failed: ${err.message}`]);
      send(res, missing.length === 0 ? 200 : 503, 'application/json', JSON.stringify(missing.length === 0 ? { status: 'ready' } : { status: 'not_ready', missing }));
      return true;
    }
    return false;
  };
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}
