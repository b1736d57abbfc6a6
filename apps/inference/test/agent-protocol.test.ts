// The worker's half of the `/agent` protocol, against a bare socket.io server playing the SFU:
// every command is answered by the shared acknowledgement schema, a command it cannot read is a
// `bad_request` and its own failures are `internal`, each with a message and nothing crashing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { Server, type Socket } from 'socket.io';
import { AGENT_NAMESPACE, agentAckSchema, agentReplies, type AgentAck } from '@bandmate/shared';
import { loadInferenceConfig } from '../src/config.ts';
import { AccompanimentEngine } from '../src/engine/engine.ts';
import { AgentClient } from '../src/room/agent-client.ts';
import { writeFixtureModel } from './fixtures/build-fixture-models.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-protocol-'));
const http = createServer();
const io = new Server(http);
let engine: AccompanimentEngine;
let agent: AgentClient;
let worker: Socket;

before(async () => {
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  engine = await AccompanimentEngine.load(writeFixtureModel('identity', path.join(dir, 'identity')));
  const connected = new Promise<Socket>((resolve) => io.of(AGENT_NAMESPACE).on('connection', (s) => s.once('hello', () => resolve(s))));
  const config = loadInferenceConfig({ SFU_AGENT_URL: url, AGENT_SECRET: 'the-protocol-test-secret', BANDMATE_TF: '-0.1', BANDMATE_K: '0.01' });
  agent = new AgentClient(engine, config, pino({ level: 'silent' }));
  worker = await connected;
});
after(async () => {
  agent.close();
  await engine.close();
  io.close();
  http.close();
  rmSync(dir, { recursive: true, force: true });
});

async function command(name: string, payload: unknown): Promise<AgentAck> {
  const raw: unknown = await worker.timeout(5000).emitWithAck(name, payload);
  const ack = agentAckSchema.safeParse(raw);
  assert.ok(ack.success, `${name}: the answer ${JSON.stringify(raw)} is outside the protocol`);
  return ack.data;
}

test('commands it cannot read are bad_request, with what was wrong; the worker carries on', async () => {
  const cases: Array<[string, unknown]> = [
    ['prepare', { roomId: 'r1' }],
    ['prepare', { roomId: 'r1', playerId: 'has spaces' }],
    ['start', 'not an object'],
    ['tempo', { roomId: 'r1', tempo: { bpm: 'fast' }, serverNow: 0 }],
    ['routes', { roomId: 'r1', playerId: 'p1', routes: Array.from({ length: 65 }, () => ({ ssrc: 1, payloadType: 100 })) }],
    ['volume', { roomId: 'r1', playerId: 'p1', volume: 99 }],
  ];
  for (const [name, payload] of cases) {
    const ack = await command(name, payload);
    assert.equal(ack.ok, false, `${name} ${JSON.stringify(payload).slice(0, 60)}`);
    if (!ack.ok) {
      assert.equal(ack.error.code, 'bad_request');
      assert.match(ack.error.message, new RegExp(`^malformed ${name}: .+`));
    }
  }
  assert.equal(agent.playerCount, 0);
});

test("its own failures are internal, and each reply matches the command's schema", async () => {
  const early = await command('start', { roomId: 'r1', playerId: 'p1', instrument: 'mirror', volume: 1, returnPort: 40000, returnIp: '127.0.0.1', ssrc: 1, payloadType: 100 });
  assert.deepEqual(early, { ok: false, error: { code: 'internal', message: 'prepare the player first' } });

  const prepared = await command('prepare', { roomId: 'r1', playerId: 'p1' });
  assert.ok(prepared.ok);
  const reply = agentReplies.prepare.parse(prepared.data);
  assert.ok(reply.port >= 1024);
  assert.equal(agent.playerCount, 1);

  const swapped = await command('instrument', { roomId: 'r1', playerId: 'p1', instrument: 'echo' });
  assert.deepEqual(swapped, { ok: false, error: { code: 'internal', message: 'start the player first' } });

  const stopped = await command('stop', { roomId: 'r1', playerId: 'p1' });
  assert.ok(stopped.ok);
  assert.deepEqual(agentReplies.stop.parse(stopped.data), {});
  assert.equal(agent.playerCount, 0);
});
