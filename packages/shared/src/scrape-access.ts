// Node only (not in the package index, which the browser bundles): who may read a /metrics, and
// the /metrics and health routes every process serves the same way.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface ScrapeRequest {
  /** The Authorization header. */
  authorization?: string | null;
  /** Whether the request came through a proxy (it carries X-Forwarded-For). */
  forwarded: boolean;
  /** Whether it was made on this machine (loopback). */
  loopback: boolean;
}

/**
 * With a token (METRICS_TOKEN), whoever sends it as a bearer token; without one, only a scraper on
 * this machine talking to the process directly: a reverse proxy on the same machine would otherwise
 * pass the public's requests on as loopback ones. The SFU's and the web app's ports face the
 * browsers, and what runs where is the operator's business.
 */
export function mayScrape(req: ScrapeRequest, token: string | undefined): boolean {
  if (!token) return req.loopback && !req.forwarded;
  const given = Buffer.from(/^Bearer (.+)$/.exec(req.authorization ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Whether a socket's remote address is this machine. */
export function isLoopbackAddress(address: string | undefined): boolean {
  // All of 127.0.0.0/8 is this machine's loopback, as IPv4 or IPv4-mapped IPv6.
  return address === '::1' || (address !== undefined && /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address));
}

/** Whether a listening address is every address of the machine (a wildcard), not one of its own. */
export function isEveryAddress(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::';
}

export const SCRAPE_REFUSED = 'metrics are for the operator: scrape from this machine, or send METRICS_TOKEN as a bearer token';

/** What the routes need of a prom-client Registry. */
export interface MetricsSource {
  contentType: string;
  metrics(): Promise<string>;
}

/**
 * GET /metrics (Prometheus text format) and the health checks an orchestrator needs:
 * /health/live (the process answers) and /health/ready (it can do its work now: `ready()` lists
 * what is missing, e.g. the database, a live mediasoup worker, the SFU connection). Resolves false
 * for any other request, which the caller answers.
 */
export function metricsRoutes(options: { registry: MetricsSource; token?: string; ready: () => Promise<string[]> }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (path === '/metrics') {
      const scrape = { authorization: req.headers.authorization, forwarded: req.headers['x-forwarded-for'] !== undefined, loopback: isLoopbackAddress(req.socket.remoteAddress) };
      if (!mayScrape(scrape, options.token)) send(res, 403, 'application/json', JSON.stringify({ error: { code: 'forbidden', message: SCRAPE_REFUSED } }));
      else send(res, 200, options.registry.contentType, await options.registry.metrics());
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

export function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}
