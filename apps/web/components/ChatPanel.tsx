'use client';

import { useEffect, useRef, useState, useSyncExternalStore, type FormEvent, type KeyboardEvent } from 'react';
import { CHAT_LIMITS } from '@bandmate/shared';
import type { ChatSession } from '../media/chat-session';

const time = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** The room chat. Bodies are rendered as React text, never as HTML. */
export function ChatPanel({ chat, selfId }: { chat: ChatSession; selfId?: string }) {
  const state = useSyncExternalStore(chat.subscribe, () => chat.state, () => chat.state);
  const [draft, setDraft] = useState('');
  const log = useRef<HTMLOListElement>(null);

  useEffect(() => {
    log.current?.scrollTo({ top: log.current.scrollHeight });
  }, [state.messages.length]);

  const send = async (e?: FormEvent) => {
    e?.preventDefault();
    if (!draft.trim() || state.sending) return;
    if (await chat.send(draft)) setDraft('');
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    // Not while an input method is composing: its Enter picks a candidate.
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) void send(e);
  };
  const over = draft.length > CHAT_LIMITS.bodyMax;

  return (
    <section aria-label="Chat" className="flex flex-col rounded-xl border border-stage-800 bg-stage-900 p-4" data-testid="chat">
      <h2 className="mb-2 font-semibold">Chat</h2>
      <ol ref={log} className="mb-3 flex max-h-64 flex-col gap-2 overflow-y-auto text-sm" data-testid="chat-log">
        {state.messages.length === 0 && <li className="text-xs text-gray-500">No messages yet in this session.</li>}
        {state.messages.map((m) => (
          <li key={m.id} data-testid="chat-message" data-peer-id={m.peerId}>
            <span className={`font-medium ${m.peerId === selfId ? 'text-accent' : 'text-sky-300'}`}>{m.displayName}</span>{' '}
            <time className="text-[11px] text-gray-500" dateTime={new Date(m.sentAt).toISOString()}>
              {time(m.sentAt)}
            </time>
            <p className="whitespace-pre-wrap break-words text-gray-200" data-testid="chat-body">
              {m.body}
            </p>
          </li>
        ))}
      </ol>
      <form className="flex items-end gap-2" onSubmit={(e) => void send(e)}>
        <textarea
          aria-label="Chat message"
          rows={2}
          className="min-w-0 flex-1 resize-none rounded-md border border-stage-700 bg-stage-950 px-2 py-1 text-sm"
          placeholder="Message the room (Enter sends, Shift+Enter for a new line)"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={onKeyDown}
        />
        <div className="flex flex-col items-end gap-1">
          <span className={`text-[11px] ${over ? 'text-red-400' : 'text-gray-500'}`} data-testid="chat-count">
            {draft.length}/{CHAT_LIMITS.bodyMax}
          </span>
          <button type="submit" disabled={state.sending || !draft.trim()} className="rounded-md bg-accent px-3 py-1 text-sm font-medium text-black disabled:opacity-50">
            Send
          </button>
        </div>
      </form>
      {state.error && (
        <p role="alert" className="mt-2 text-xs text-red-300" data-testid="chat-error">
          {state.error}
        </p>
      )}
    </section>
  );
}
