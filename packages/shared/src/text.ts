import { z } from 'zod';

/**
 * Cleaning of text people type that others see: chat messages, display names, room names.
 * One cleaner, so every place drops the same characters.
 */

// C0/C1 controls except tab and newline, and the bidi overrides/isolates that can make a
// text display as something else (the "Trojan Source" trick).
const UNWANTED = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uFEFF]/g;

/**
 * NFC, no control or bidi-override characters. `multiline`: line breaks kept (CRLF → LF, at most
 * 2 blank lines in a row); otherwise every tab and line break (LF, CR, U+2028/2029) becomes one
 * space, so a name is one line wherever it is shown, logged or put in a file name.
 */
export function cleanText(raw: string, { multiline }: { multiline: boolean }): string {
  const text = raw.normalize('NFC').replace(/\r\n?/g, '\n');
  if (multiline) return text.replace(UNWANTED, '').replace(/\n{3,}/g, '\n\n').trim();
  return text
    .replace(/[\t\n\u2028\u2029]/g, ' ')
    .replace(UNWANTED, '')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/** A display name or a room name as stored and shown: one line, cleaned. */
export function cleanName(raw: string): string {
  return cleanText(raw, { multiline: false });
}

/** A name field of a request: cleaned first, then required and bounded. */
export function nameSchema(what: string, max: number) {
  return z
    .string()
    .max(max * 4, `${what} is at most ${max} characters`)
    .transform(cleanName)
    .pipe(z.string().min(1, `${what} is required`).max(max, `${what} is at most ${max} characters`));
}
