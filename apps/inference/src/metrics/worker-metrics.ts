import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { metricsRoutes, send } from '@bandmate/shared/scrape-access';
import type { Logger } from 'pino';
import type { AccompanimentEngine } from '../engine/engine.ts';
import type { AgentClient } from '../room/agent-client.ts';

/**
 * The inference worker's Prometheus metrics: the process (prom-client's defaults), its AI players
 * (how many, playing or not), the model's step time (median and p99 over the recent steps, against
 * the chunk length it must beat), the frames that went out late, the input it had to conceal, the
 * packets in and out. Read from the live objects at each scrape.
 */
export function workerMetrics(engine: AccompanimentEngine, agent: AgentClient): Registry {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry, prefix: 'bandmate_inference_' });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  const total = (pick: (c: ReturnType<AgentClient['playerMetrics']>[number]['counters']) => number) => () =>
    agent.playerMetrics().reduce((n, p) => n + pick(p.counters), 0);
  gauge('bandmate_inference_connected', '1 while the SFU control connection is up.', () => (agent.connected ? 1 : 0));
  gauge('bandmate_inference_players', 'AI players this worker runs.', () => agent.playerCount);
  gauge('bandmate_inference_players_playing', 'AI players sending audio now.', () => agent.playerMetrics().filter((p) => p.playing).length);
  gauge('bandmate_inference_step_median_ms', 'Model step compute time, median of the recent steps.', () => engine.batcher.recentComputeMs()?.median ?? 0);
  gauge('bandmate_inference_step_p99_ms', 'Model step compute time, p99 of the recent steps.', () => engine.batcher.recentComputeMs()?.p99 ?? 0);
  gauge('bandmate_inference_steps', 'Model steps run (one stream, one chunk each) since the start.', () => engine.batcher.stats.steps);
  gauge('bandmate_inference_late_frames', 'Output frames not ready at their send time, live players.', total((c) => c.lateFrames));
  gauge('bandmate_inference_concealed_frames', 'Input frames concealed (late or lost packets), live players.', total((c) => c.concealedFrames));
  gauge('bandmate_inference_packets_in', 'RTP packets received from the rooms, live players.', total((c) => c.packetsIn));
  gauge('bandmate_inference_packets_out', 'RTP packets sent into the rooms, live players.', total((c) => c.packetsOut));
  gauge('bandmate_inference_decode_errors', 'Payloads Opus refused (concealed), live players.', total((c) => c.decodeErrors));
  return registry;
}

/**
 * GET /metrics and /health/live, /health/ready (connected to the SFU) on their own port, on
 * loopback unless told otherwise (METRICS_TOKEN then guards /metrics, as on the SFU): the worker
 * has no other HTTP server. A port taken (a second
 * worker on this machine without its own port) is a warning, not a failure.
 */
export function serveMetrics(registry: Registry, agent: AgentClient, options: { host: string; port: number; token?: string; logger: Logger }): Server {
  const routes = metricsRoutes({ registry, token: options.token, ready: async () => (agent.connected ? [] : ['the connection to the SFU']) });
  const server = createServer((req, res) => {
    void routes(req, res).then((handled) => {
      if (!handled) send(res, 404, 'application/json', JSON.stringify({ error: { code: 'not_found', message: 'only /metrics and /health/live|ready here' } }));
    });
  });
  server.on('error', (err) => options.logger.warn({ err: err.message, port: options.port }, 'metrics endpoint not started'));
  server.listen(options.port, options.host, () => options.logger.info({ url: `http://${options.host}:${(server.address() as { port: number }).port}/metrics` }, 'metrics served'));
  server.unref();
  return server;
}
