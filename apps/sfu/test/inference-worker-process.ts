// A real inference worker process (apps/inference) connected to a test's SFU, as `npm start` runs one.
import { spawn, type ChildProcess } from 'node:child_process';

export function startInferenceWorker(options: { sfuUrl: string; secret: string; modelDir: string; maxPlayers: number; env?: Record<string, string> }): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'apps/inference/src/main.ts'], {
    env: {
      ...process.env,
      SFU_AGENT_URL: options.sfuUrl,
      AGENT_SECRET: options.secret,
      BANDMATE_MODEL_DIR: options.modelDir,
      INFERENCE_MAX_PLAYERS: String(options.maxPlayers),
      LOG_LEVEL: 'warn',
      INFERENCE_METRICS_PORT: '0',
      BANDMATE_TF: '-0.1',
      BANDMATE_K: '0.01',
      ...options.env,
    },
    stdio: 'ignore',
  });
}
