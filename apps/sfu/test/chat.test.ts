// Room chat on a real SFU and database: delivery, validation and clean-up, the size bound,
// the per-connection rate limit, and the session's history for newcomers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CHAT_LIMITS, type ChatMessage } from '@bandmate/shared';
import { ask, askOk, createRoom, joinRoom, nextEvent, startHarness, type Harness } from './harness.ts';

let h: Harness;
const client = () => h.client();

before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

describe('chat', () => {
  test('a message reaches the others with the sender’s name from the server, cleaned of control characters', async () => {
    const room = await createRoom(h.sfu, 'Chat');
    const ana = await client();
    const ben = await client();
    const joinedAna = await joinRoom(ana, room.id, 'Ana');
    await joinRoom(ben, room.id, 'Ben', 'listener');
    const atBen = nextEvent<ChatMessage>(ben, 'chatMessage');
    let echoed = false;
    ana.once('chatMessage', () => (echoed = true));
    const sent = await askOk<ChatMessage>(ana, 'sendChat', { body: '  <b>hi</b>\u202E evil\u0007\r\nline 2 \n\n\n\nend  ' });
    assert.equal(sent.body, '<b>hi</b> evil\nline 2 \n\nend', 'trimmed, no bidi override or bell, at most one blank line');
    assert.equal(sent.displayName, 'Ana');
    assert.equal(sent.peerId, joinedAna.peerId);
    assert.ok(Math.abs(sent.sentAt - Date.now()) < 10_000);
    assert.deepEqual(await atBen, sent);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(echoed, false, 'the sender gets the message in the reply, not twice');

    // The name cannot be chosen by the message.
    const spoof = await ask(ben, 'sendChat', { body: 'hello', displayName: 'Ana' });
    assert.equal(!spoof.ok && spoof.error.code, 'bad_request');
    for (const s of [ana, ben]) await askOk(s, 'leave', {});
  });

  test('size bound and empty messages are refused with clear errors; the limit itself is allowed', async () => {
    const room = await createRoom(h.sfu, 'Chat limits');
    const ana = await client();
    await joinRoom(ana, room.id, 'Ana');
    const long = await ask(ana, 'sendChat', { body: 'x'.repeat(CHAT_LIMITS.bodyMax + 1) });
    assert.equal(!long.ok && long.error.code, 'bad_request');
    assert.match(!long.ok ? long.error.message : '', /at most 500 characters/);
    for (const body of ['', '   \n\t ', '\u202E\u0000']) {
      const reply = await ask(ana, 'sendChat', { body });
      assert.equal(!reply.ok && reply.error.code, 'bad_request', JSON.stringify(body));
      assert.match(!reply.ok ? reply.error.message : '', /cannot be empty/);
    }
    const huge = await ask(ana, 'sendChat', { body: 'x'.repeat(20_000) });
    assert.equal(!huge.ok && huge.error.code, 'too_large', 'the signalling size bound applies first');
    const exact = await askOk<ChatMessage>(ana, 'sendChat', { body: 'y'.repeat(CHAT_LIMITS.bodyMax) });
    assert.equal(exact.body.length, CHAT_LIMITS.bodyMax);
    await askOk(ana, 'leave', {});
    const outside = await ask(ana, 'sendChat', { body: 'anyone?' });
    assert.equal(!outside.ok && outside.error.code, 'not_joined');
  });

  test('each connection is rate-limited on its own', async () => {
    const room = await createRoom(h.sfu, 'Chat flood');
    const ana = await client();
    const ben = await client();
    await joinRoom(ana, room.id, 'Ana');
    await joinRoom(ben, room.id, 'Ben');
    const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => ask(ana, 'sendChat', { body: `flood ${i}` })));
    const ok = replies.filter((r) => r.ok).length;
    const limited = replies.filter((r) => !r.ok && r.error.code === 'rate_limited');
    assert.equal(ok, CHAT_LIMITS.burst, 'the burst goes through');
    assert.equal(limited.length, 12 - CHAT_LIMITS.burst);
    assert.match(!limited[0]!.ok ? limited[0]!.error.message : '', /too many chat messages/);
    await askOk(ben, 'sendChat', { body: 'I can still talk' });
    await new Promise((r) => setTimeout(r, 1100));
    await askOk(ana, 'sendChat', { body: 'one a second again' });
    for (const s of [ana, ben]) await askOk(s, 'leave', {});
  });

  test('a newcomer gets the session’s history in order; a new session starts empty', async () => {
    const room = await createRoom(h.sfu, 'Chat history');
    const ana = await client();
    const ben = await client();
    await joinRoom(ana, room.id, 'Ana');
    await joinRoom(ben, room.id, 'Ben');
    const bodies = ['one', 'two', 'three', 'four'];
    for (const [i, body] of bodies.entries()) await askOk(i % 2 ? ben : ana, 'sendChat', { body });

    const cat = await client();
    await joinRoom(cat, room.id, 'Cat', 'listener');
    const { messages } = await askOk<{ messages: ChatMessage[] }>(cat, 'chatHistory', {});
    assert.deepEqual(messages.map((m) => m.body), bodies);
    assert.deepEqual(messages.map((m) => m.displayName), ['Ana', 'Ben', 'Ana', 'Ben']);

    const notJoined = await ask(await client(), 'chatHistory', {});
    assert.equal(!notJoined.ok && notJoined.error.code, 'not_joined');

    // Everyone leaves: the session ends. The next one, even joined at once, has its own history.
    for (const s of [ana, ben, cat]) await askOk(s, 'leave', {});
    await joinRoom(ana, room.id, 'Ana');
    const fresh = await askOk<{ messages: ChatMessage[] }>(ana, 'chatHistory', {});
    assert.deepEqual(fresh.messages, []);
    await askOk(ana, 'leave', {});
  });
});
