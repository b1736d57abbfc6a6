// A real inference worker (AgentClient) for SFU tests: the identity fixture model, connected to `sfu`
// with `secret`, t_f and k fixed so tests can time it.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { loadInferenceConfig } from '../../inference/src/config.ts';
import { AccompanimentEngine } from '../../inference/src/engine/engine.ts';
import { AgentClient } from '../../inference/src/room/agent-client.ts';
import { writeFixtureModel } from '../../inference/test/fixtures/build-fixture-models.ts';
import { waitFor } from './harness.ts';

export interface FixtureWorker {
  agent: AgentClient;
  close(): Promise<void>;
}

export async function startFixtureWorker(sfu: { url: string; agents: { info: unknown } }, secret: string): Promise<FixtureWorker> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-worker-'));
  const engine = await AccompanimentEngine.load(writeFixtureModel('identity', path.join(dir, 'identity')));
  const config = loadInferenceConfig({ SFU_AGENT_URL: sfu.url, AGENT_SECRET: secret, BANDMATE_TF: '-0.1', BANDMATE_K: '0.01', INFERENCE_JITTER_MS: '30' });
  const agent = new AgentClient(engine, config, pino({ level: 'silent' }));
  await waitFor(() => !!sfu.agents.info, 10_000);
  return {
    agent,
    async close() {
      agent.close();
      await new Promise((r) => setTimeout(r, 200));
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
