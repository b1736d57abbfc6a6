import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** A mail the SFU wrote to its outbox folder (apps/sfu/src/mail/mailer.ts, OutboxMailer). */
export interface OutboxMail {
  to: string;
  subject: string;
  text: string;
  link?: string;
  sentAt: string;
  file: string;
}

/** Every mail in the outbox to `to` (all addresses when omitted), oldest first. */
export async function mailsTo(dir: string, to?: string): Promise<OutboxMail[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const mails: OutboxMail[] = [];
  for (const file of files) {
    const mail = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as OutboxMail;
    if (to === undefined || mail.to === to) mails.push({ ...mail, file });
  }
  return mails;
}

/** Waits until `to` has more than `already` mails and returns the newest (the SFU sends after answering). */
export async function nextMail(dir: string, to: string, already: number, timeoutMs = 5000): Promise<OutboxMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = await mailsTo(dir, to);
    if (mails.length > already) return mails.at(-1)!;
    if (Date.now() > deadline) throw new Error(`no mail to ${to} in ${dir} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
