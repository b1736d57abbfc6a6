import { pino } from 'pino';
import { loadInferenceConfig } from './config.ts';
import { AccompanimentEngine } from './engine/engine.ts';
import { serveMetrics, workerMetrics } from './metrics/worker-metrics.ts';
import { AgentClient } from './room/agent-client.ts';

const config = loadInferenceConfig();
const logger = pino({ name: 'inference', level: config.logLevel });
const engine = await AccompanimentEngine.load(config.modelDir, {
  provider: config.provider,
  threads: config.threads,
  priority: config.priority,
  onNotice: (message) => logger.warn(message),
}).catch((err: Error) => {
  logger.error(`the AI band member is unavailable: ${err.message} (set BANDMATE_MODEL_DIR, or see ml/README.md to train one)`);
  process.exit(3);
});
logger.info({ model: `${engine.manifest.name} ${engine.manifest.version}`, provider: engine.model.provider, dir: config.modelDir }, 'model loaded');
const agent = new AgentClient(engine, config, logger);
if (config.metrics.port > 0) serveMetrics(workerMetrics(engine, agent), agent, { ...config.metrics, logger });

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    agent.close();
    void engine.close().finally(() => process.exit(0));
  });
}
