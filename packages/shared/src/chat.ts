import { z } from 'zod';
import { cleanText } from './text.ts';

/** Room chat: messages, limits, and the requests merged into the signalling protocol. */

export const CHAT_LIMITS = {
  /** Characters (UTF-16 units) of one message after clean-up. */
  bodyMax: 500,
  /** Messages of the current room session a newcomer receives. */
  historyMax: 200,
  /** Per connection: sustained messages per second and the burst above it. */
  perSecond: 1,
  burst: 5,
} as const;

/** What is stored and shown: NFC, no control or bidi-override characters, at most 2 blank lines in a row. */
export function cleanChatBody(raw: string): string {
  return cleanText(raw, { multiline: true });
}

export const chatBodySchema = z
  .string()
  .max(CHAT_LIMITS.bodyMax, `a chat message is at most ${CHAT_LIMITS.bodyMax} characters`)
  .transform(cleanChatBody)
  .pipe(z.string().min(1, 'a chat message cannot be empty'));

export const chatMessageSchema = z.object({
  id: z.string().min(1).max(64),
  peerId: z.string().min(1).max(64),
  displayName: z.string().max(100),
  body: z.string().max(CHAT_LIMITS.bodyMax),
  /** Unix time, ms. */
  sentAt: z.number().finite(),
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

export const chatRequests = {
  sendChat: {
    request: z.strictObject({ body: chatBodySchema }),
    response: chatMessageSchema,
  },
  /** The current room session's messages, oldest first (the last CHAT_LIMITS.historyMax). */
  chatHistory: {
    request: z.strictObject({}),
    response: z.object({ messages: z.array(chatMessageSchema).max(CHAT_LIMITS.historyMax) }),
  },
} as const;

export const chatNotifications = {
  chatMessage: chatMessageSchema,
} as const;
