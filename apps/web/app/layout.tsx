import type { Metadata, Viewport } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { AccountMenu } from '../components/AccountMenu';
import { sfuLocationFromEnv } from '../lib/sfu-url';
import './globals.css';

export const metadata: Metadata = {
  title: 'Bandmate — jam online with your band and an AI player',
  description: 'Low-latency rooms for remote musicians.',
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1 };

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Rendered per request, the not-found page included: each page's scripts carry the nonce of its
  // Content-Security-Policy (proxy.ts), and SFU_PUBLIC_URL is read now, not at build time.
  await connection();
  return (
    <html lang="en">
      <body className="min-h-screen antialiased">
        <header className="border-b border-stage-800 bg-stage-900/80">
          <div className="mx-auto flex max-w-5xl items-center justify-between px-4 py-3">
            <Link href="/" className="text-lg font-semibold tracking-tight">
              <span className="text-accent">●</span> Bandmate
            </Link>
            <div className="flex items-center gap-4">
              <span className="hidden text-xs text-gray-400 sm:inline">Headphones on — no echo cancellation here</span>
              <AccountMenu sfu={sfuLocationFromEnv()} />
            </div>
          </div>
        </header>
        <main className="mx-auto max-w-5xl px-4 py-6">{children}</main>
      </body>
    </html>
  );
}
