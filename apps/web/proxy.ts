import { NextResponse, type NextRequest } from 'next/server';
import { contentSecurityPolicy, makeNonce } from './lib/content-security-policy';
import { sfuLocationFromEnv } from './lib/sfu-url';

/**
 * Every page gets a Content-Security-Policy with a fresh nonce (lib/content-security-policy.ts).
 * The policy goes on the request too: Next.js reads the nonce from there and puts it on the
 * scripts it writes into the page. Pages are rendered per request (force-dynamic), so each gets
 * its own. The SFU's address is read now, like the pages do (SFU_PUBLIC_URL at request time).
 */
export function proxy(request: NextRequest): NextResponse {
  const policy = contentSecurityPolicy({
    nonce: makeNonce(),
    sfu: sfuLocationFromEnv(),
    pageHostname: pageHostname(request),
    dev: process.env.NODE_ENV === 'development',
  });
  const headers = new Headers(request.headers);
  headers.set('content-security-policy', policy);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set('content-security-policy', policy);
  return response;
}

/**
 * The host name the browser asked for, as sfu-url.ts's resolveSfuUrl sees it (location.hostname).
 * From the Host header: nextUrl writes every loopback address as "localhost", which is another host
 * to CSP than the 127.0.0.1 in the address bar.
 */
function pageHostname(request: NextRequest): string {
  const host = request.headers.get('host');
  if (!host) return request.nextUrl.hostname;
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return '';
  }
}

export const config = {
  matcher: [
    {
      // Pages only: not the build's static files, the health check or link prefetches.
      source: '/((?!_next/static|_next/image|favicon.ico|health).*)',
      missing: [
        { type: 'header', key: 'next-router-prefetch' },
        { type: 'header', key: 'purpose', value: 'prefetch' },
      ],
    },
  ],
};
