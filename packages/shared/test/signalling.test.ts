import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRoomRequestSchema, jsonByteLength, requests } from '../src/index.ts';

test('join accepts a well-formed request and trims the name', () => {
  const parsed = requests.join.request.parse({
    roomId: 'abcDEF1234',
    displayName: '  Ana  ',
    role: 'musician',
    rtpCapabilities: { codecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }] },
  });
  assert.equal(parsed.displayName, 'Ana');
});

test('join rejects unknown fields, bad roles and path-like room ids', () => {
  const base = { roomId: 'abcDEF1234', displayName: 'Ana', role: 'musician', rtpCapabilities: {} };
  assert.equal(requests.join.request.safeParse({ ...base, admin: true }).success, false);
  assert.equal(requests.join.request.safeParse({ ...base, role: 'host' }).success, false);
  assert.equal(requests.join.request.safeParse({ ...base, roomId: '../x' }).success, false);
});

test('rtp parameters are bounded', () => {
  const codec = { mimeType: 'audio/opus', payloadType: 111, clockRate: 48000 };
  const ok = { transportId: 't', kind: 'audio', source: 'mic', rtpParameters: { codecs: [codec] } };
  assert.equal(requests.produce.request.safeParse(ok).success, true);
  const many = { ...ok, rtpParameters: { codecs: Array(17).fill(codec) } };
  assert.equal(requests.produce.request.safeParse(many).success, false);
  const badPt = { ...ok, rtpParameters: { codecs: [{ ...codec, payloadType: 300 }] } };
  assert.equal(requests.produce.request.safeParse(badPt).success, false);
});

test('room names are required and bounded', () => {
  assert.equal(createRoomRequestSchema.safeParse({ name: '   ' }).success, false);
  assert.equal(createRoomRequestSchema.safeParse({ name: 'x'.repeat(81) }).success, false);
  assert.equal(createRoomRequestSchema.parse({ name: ' Jam ' }).name, 'Jam');
});

test('jsonByteLength counts UTF-8 bytes and survives cycles', () => {
  assert.equal(jsonByteLength({ a: 'é' }), 10);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(jsonByteLength(cyclic), Infinity);
});
