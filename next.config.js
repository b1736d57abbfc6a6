import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));

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
};

export default nextConfig;
