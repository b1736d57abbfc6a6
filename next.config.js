import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));

/**
 * Sent with every response of the web app. The Content-Security-Policy (frame-ancestors 'none'
 * among it) needs a nonce per page and the SFU's address at request time: apps/web/proxy.ts.
 */
export const SECURITY_HEADERS = [
  // Older browsers that do not read frame-ancestors.
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  // Invite links carry their token in the page's URL: other origins (the SFU included) get the origin only.
  { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
  // The microphone for this site's pages only, never for a frame; nothing else.
  { key: 'Permissions-Policy', value: 'microphone=(self), camera=(), geolocation=(), display-capture=(), payment=(), usb=()' },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
];

/**
 * Next.js configuration for apps/web (which re-exports this file).
 * @type {import('next').NextConfig}
 */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // packages/shared is TypeScript source consumed directly.
  transpilePackages: ['@bandmate/shared'],
  turbopack: { root },
  outputFileTracingRoot: root,
  async headers() {
    return [{ source: '/:path*', headers: SECURITY_HEADERS }];
  },
};

export default nextConfig;
