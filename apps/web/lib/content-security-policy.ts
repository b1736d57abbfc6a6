import type { SfuLocation } from './sfu-url';

/**
 * The web app's Content-Security-Policy, made per request by proxy.ts (the other security
 * headers are fixed and set in next.config.js).
 *
 * - Scripts: this site's files and the inline scripts Next.js writes into each page, which carry
 *   the request's nonce (Next reads it from the CSP header proxy.ts puts on the request). `blob:`
 *   lets a page load an AudioWorklet module it made itself (the browser tests' audio taps); a blob
 *   URL belongs to the page's origin, so only script already running here can make one. No
 *   'unsafe-inline', no 'unsafe-eval' (React needs eval in `next dev` only).
 * - Styles: 'unsafe-inline', for the style attributes React renders on the server (meters).
 * - connect-src and media-src: this site and the SFU (its HTTP API, socket.io over polling and
 *   WebSocket, and the recordings the <audio> elements play). WebRTC media is not governed by CSP.
 * - No framing (frame-ancestors), no plugins, no <base>, forms post only here.
 */
export function contentSecurityPolicy(options: { nonce: string; sfu: SfuLocation; pageHostname: string; dev?: boolean }): string {
  const sfu = sfuSources(options.sfu, options.pageHostname);
  const directives: Array<[string, ...string[]]> = [
    ['default-src', "'self'"],
    ['script-src', "'self'", `'nonce-${options.nonce}'`, 'blob:', ...(options.dev ? ["'unsafe-eval'"] : [])],
    ['style-src', "'self'", "'unsafe-inline'"],
    ['img-src', "'self'", 'data:', 'blob:'],
    ['font-src', "'self'", 'data:'],
    ['connect-src', "'self'", ...sfu.connect],
    ['media-src', "'self'", 'blob:', ...sfu.media],
    ['worker-src', "'self'", 'blob:'],
    ['object-src', "'none'"],
    ['base-uri', "'none'"],
    ['form-action', "'self'"],
    ['frame-ancestors', "'none'"],
  ];
  return directives.map((d) => d.join(' ')).join('; ');
}

/** A fresh nonce per response: 128 random bits, base64. */
export function makeNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/**
 * Where the browser reaches the SFU, as CSP sources: the page's own resolution (sfu-url.ts) made
 * on the server. SFU_PUBLIC_URL names one origin (and its WebSocket twin); without it the SFU is
 * on the page's host at SFU_PUBLIC_PORT, over whichever scheme the page itself uses.
 */
export function sfuSources(sfu: SfuLocation, pageHostname: string): { connect: string[]; media: string[] } {
  if (sfu.url) {
    let origin: URL;
    try {
      origin = new URL(sfu.url);
    } catch {
      return { connect: [], media: [] }; // a malformed setting: the page cannot reach it anyway
    }
    const http = `${origin.protocol}//${origin.host}`;
    const ws = `${origin.protocol === 'https:' ? 'wss:' : 'ws:'}//${origin.host}`;
    return { connect: [http, ws], media: [http] };
  }
  const host = `${cspHost(pageHostname)}:${sfu.port}`;
  return {
    connect: ['http', 'https', 'ws', 'wss'].map((scheme) => `${scheme}://${host}`),
    media: ['http', 'https'].map((scheme) => `${scheme}://${host}`),
  };
}

/**
 * The page's host name as a CSP host: names and IPv4 addresses as they are; anything CSP cannot
 * write (an IPv6 literal) or that is not a plain host name (the Host header is the client's) is
 * any host, still on the SFU's port only.
 */
function cspHost(hostname: string): string {
  return /^[A-Za-z0-9.-]{1,253}$/.test(hostname) ? hostname.toLowerCase() : '*';
}
