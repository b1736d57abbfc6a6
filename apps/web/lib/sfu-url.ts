/**
 * Where the browser reaches the SFU's API and signalling. SFU_PUBLIC_URL is read
 * on the server at request time (so one build serves any deployment); without
 * it the SFU is assumed on the page's host at SFU_PUBLIC_PORT (default 4000).
 */
export interface SfuLocation {
  url: string | null;
  port: number;
}

export function sfuLocationFromEnv(): SfuLocation {
  return { url: process.env.SFU_PUBLIC_URL ?? null, port: Number(process.env.SFU_PUBLIC_PORT ?? 4000) };
}

export function resolveSfuUrl(location: SfuLocation): string {
  if (location.url) return location.url.replace(/\/$/, '');
  return `${window.location.protocol}//${window.location.hostname}:${location.port}`;
}
