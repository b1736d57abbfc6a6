import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHAT_LIMITS, cleanChatBody, requests } from '../src/index.ts';

test('chat bodies are cleaned: NFC, no control or bidi-override characters, bounded blank lines', () => {
  assert.equal(cleanChatBody('  e\u0301 \u202Eevil\u2066 \u0000bell\u0007 '), 'é evil bell');
  assert.equal(cleanChatBody('a\r\nb\rc\n\n\n\nd'), 'a\nb\nc\n\nd');
  assert.equal(cleanChatBody('tab\tkept'), 'tab\tkept');
  assert.equal(cleanChatBody('<script>alert(1)</script>'), '<script>alert(1)</script>', 'markup is text, escaped when shown');
});

test('sendChat bounds the body and refuses empty ones after clean-up', () => {
  const send = requests.sendChat.request;
  assert.equal(send.parse({ body: ' hi ' }).body, 'hi');
  assert.equal(send.safeParse({ body: 'x'.repeat(CHAT_LIMITS.bodyMax) }).success, true);
  assert.equal(send.safeParse({ body: 'x'.repeat(CHAT_LIMITS.bodyMax + 1) }).success, false);
  assert.equal(send.safeParse({ body: '\u202E \n ' }).success, false);
  assert.equal(send.safeParse({ body: 'hi', displayName: 'Ana' }).success, false);
});

test('setTempo takes whole numbers within the limits, at least one of them', () => {
  const set = requests.setTempo.request;
  assert.equal(set.safeParse({ bpm: 30 }).success, true);
  assert.equal(set.safeParse({ bpm: 300, beatsPerBar: 12 }).success, true);
  for (const bad of [{}, { bpm: 29 }, { bpm: 301 }, { bpm: 90.5 }, { beatsPerBar: 0 }, { beatsPerBar: 13 }, { bpm: '120' }]) {
    assert.equal(set.safeParse(bad).success, false, JSON.stringify(bad));
  }
});
