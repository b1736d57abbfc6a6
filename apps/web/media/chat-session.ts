import { CHAT_LIMITS, type ChatMessage } from '@bandmate/shared';
import type { SignalClient } from './signal-client.ts';

export interface ChatViewState {
  messages: ChatMessage[];
  sending: boolean;
  /** The last refusal (too long, too fast…), as the server worded it. */
  error?: string;
}

/** Messages kept on the page: the session's history plus what arrives, at most this many. */
const KEEP = 2 * CHAT_LIMITS.historyMax;

/**
 * The room chat as one page sees it: the room session's history (asked for on join), new
 * messages as they arrive, and sending. Bodies are plain text: React renders them as text,
 * never as HTML.
 */
export class ChatSession {
  private current: ChatViewState = { messages: [], sending: false };
  private readonly listeners = new Set<() => void>();
  private readonly unsubscribe: () => void;

  constructor(private readonly signal: SignalClient) {
    this.unsubscribe = signal.on('chatMessage', (message) => this.add([message]));
  }

  get state(): ChatViewState {
    return this.current;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  async loadHistory(): Promise<void> {
    try {
      const { messages } = await this.signal.request('chatHistory', {});
      this.add(messages);
    } catch (err) {
      this.update({ error: `could not load the chat history: ${(err as Error).message}` });
    }
  }

  /** True when the server took the message. */
  async send(body: string): Promise<boolean> {
    this.update({ sending: true });
    try {
      const message = await this.signal.request('sendChat', { body });
      this.add([message]);
      this.update({ sending: false, error: undefined });
      return true;
    } catch (err) {
      this.update({ sending: false, error: err instanceof Error ? err.message : String(err) });
      return false;
    }
  }

  close(): void {
    this.unsubscribe();
  }

  private add(incoming: ChatMessage[]): void {
    const byId = new Map(this.current.messages.map((m) => [m.id, m]));
    for (const m of incoming) byId.set(m.id, m);
    const messages = [...byId.values()].sort((a, b) => a.sentAt - b.sentAt).slice(-KEEP);
    this.update({ messages });
  }

  private update(patch: Partial<ChatViewState>): void {
    this.current = { ...this.current, ...patch };
    for (const listener of this.listeners) listener();
  }
}
