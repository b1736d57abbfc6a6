// Node only (not in the package index, which the browser bundles): who may read a /metrics.
import { timingSafeEqual } from 'node:crypto';

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
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

export const SCRAPE_REFUSED = 'metrics are for the operator: scrape from this machine, or send METRICS_TOKEN as a bearer token';
