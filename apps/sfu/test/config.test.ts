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

test('bad settings are refused with the variable named', () => {
  assert.throws(() => loadConfig({ SFU_PORT: 'eighty' }), /SFU_PORT/);
  assert.throws(() => loadConfig({ SFU_RTC_MIN_PORT: '50000', SFU_RTC_MAX_PORT: '40000' }), /SFU_RTC_MIN_PORT/);
});
