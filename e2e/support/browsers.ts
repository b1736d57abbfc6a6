import { chromium, type Browser, type Page } from '@playwright/test';

/** Debian's Chromium: Playwright cannot download its own browser offline. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumArgs(extra: string[] = []): string[] {
  return [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    // Only loopback exists in the test namespace; Chromium skips it without this.
    '--allow-loopback-in-peer-connection',
    '--autoplay-policy=no-user-gesture-required',
    ...extra,
  ];
}

export interface Participant {
  browser: Browser;
  page: Page;
}

export type MicrophoneSetup = 'allowed' | 'denied' | 'none';

/**
 * A separate browser per participant: the fake microphone file is a browser-wide flag.
 * 'allowed' grants a fake device (playing `wav` if given); 'denied' has the device but
 * refuses the permission prompt; 'none' has no audio device at all. Headless Chromium
 * on a machine without a sound card only plays remote WebRTC audio through a fake
 * device, so even listeners get one unless testing 'none'.
 */
export async function launchParticipant(options: { wav?: string; microphone?: MicrophoneSetup; baseURL: string }): Promise<Participant> {
  const microphone = options.microphone ?? 'allowed';
  const media: string[] = [];
  if (microphone !== 'none') media.push('--use-fake-device-for-media-stream');
  if (microphone === 'allowed') media.push('--use-fake-ui-for-media-stream');
  if (options.wav) media.push(`--use-file-for-fake-audio-capture=${options.wav}`);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: chromiumArgs(media) });
  const context = await browser.newContext({ baseURL: options.baseURL });
  const page = await context.newPage();
  page.on('console', (m) => m.text().startsWith('[bandmate]') && console.log(`[${options.wav ?? 'listener'}]`, m.text()));
  page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
  return { browser, page };
}
