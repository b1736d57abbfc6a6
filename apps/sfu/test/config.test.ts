import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../src/config.ts';

test('defaults run on one machine', () => {
  const c = loadConfig({});
  assert.equal(c.port, 4000);
  assert.ok(c.workers >= 1);
  assert.equal(c.rtc.minPort, 40000);
  assert.ok(c.rtc.announcedAddress.length > 0);
});

test('an explicit listen address is announced as is', () => {
  const c = loadConfig({ SFU_RTC_LISTEN_IP: '127.0.0.1' });
  assert.equal(c.rtc.announcedAddress, '127.0.0.1');
});

test('an SFU node: named after the host unless told, with the URL browsers reach it at (empty: none)', () => {
  const c = loadConfig({});
  assert.ok(c.node.id.length > 0);
  assert.equal(c.node.url, null);
  assert.equal(c.node.leaseMs, 15_000);
  assert.equal(c.node.placementMargin, 4);
  const named = loadConfig({ SFU_NODE_ID: 'sfu-2', SFU_PUBLIC_URL: 'https://jam.example.com:4443', SFU_NODE_LEASE_MS: '9000', SFU_PLACEMENT_MARGIN: '0' });
  assert.deepEqual(named.node, { id: 'sfu-2', url: 'https://jam.example.com:4443', leaseMs: 9000, placementMargin: 0 });
  assert.throws(() => loadConfig({ SFU_PLACEMENT_MARGIN: '-1' }), /SFU_PLACEMENT_MARGIN/);
  // Compose passes an unset variable as an empty string.
  assert.equal(loadConfig({ SFU_PUBLIC_URL: '' }).node.url, null);
  // Behind one public address, each node names its own for the other nodes' relays.
  assert.equal(loadConfig({ SFU_PUBLIC_URL: 'https://jam.example.com', SFU_NODE_URL: 'http://10.0.0.5:4000' }).node.url, 'http://10.0.0.5:4000');
  assert.throws(() => loadConfig({ SFU_NODE_URL: '10.0.0.5:4000' }), /SFU_NODE_URL/);
  assert.throws(() => loadConfig({ SFU_PUBLIC_URL: 'jam.example.com' }), /SFU_PUBLIC_URL/);
  assert.throws(() => loadConfig({ SFU_NODE_ID: 'two words' }), /SFU_NODE_ID/);
  assert.throws(() => loadConfig({ SFU_NODE_LEASE_MS: '100' }), /SFU_NODE_LEASE_MS/);
});

test('bad settings are refused with the variable named', () => {
  assert.throws(() => loadConfig({ SFU_PORT: 'eighty' }), /SFU_PORT/);
  assert.throws(() => loadConfig({ SFU_RTC_MIN_PORT: '50000', SFU_RTC_MAX_PORT: '40000' }), /SFU_RTC_MIN_PORT/);
});

test('inference workers on other hosts: the SFU listening on every address must say where workers send; edges and pipes', () => {
  assert.equal(loadConfig({}).agent.announcedIp, '127.0.0.1');
  assert.equal(loadConfig({ SFU_AGENT_IP: '0.0.0.0', SFU_AGENT_ANNOUNCED_ADDRESS: '10.0.0.5' }).agent.announcedIp, '10.0.0.5');
  assert.throws(() => loadConfig({ SFU_AGENT_IP: '0.0.0.0' }), /SFU_AGENT_ANNOUNCED_ADDRESS/);
  assert.throws(() => loadConfig({ SFU_AGENT_IP: '0.0.0.0', SFU_AGENT_ANNOUNCED_ADDRESS: 'sfu.internal' }), /SFU_AGENT_ANNOUNCED_ADDRESS/);
  assert.deepEqual(loadConfig({ SFU_ANNOUNCED_ADDRESS: '203.0.113.4' }).edge, { listeners: true, pipeAddress: '203.0.113.4' });
  assert.deepEqual(loadConfig({ SFU_EDGE_LISTENERS: 'false', SFU_PIPE_ADDRESS: 'sfu-2' }).edge, { listeners: false, pipeAddress: 'sfu-2' });
  assert.throws(() => loadConfig({ SFU_EDGE_LISTENERS: 'yes' }), /SFU_EDGE_LISTENERS/);
});
