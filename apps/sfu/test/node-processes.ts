// SFU nodes as separate processes on one database, as `npm start` runs each (the multi-node tests).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Socket } from 'socket.io-client';
import type { AiRoomState } from '@bandmate/shared';
import { ask, freePort } from './harness.ts';

export interface NodeProcess {
  id: string;
  /** Where this node is reached directly (its SFU_NODE_URL). */
  url: string;
  child: ChildProcess;
}

export class NodeProcesses {
  private readonly children: ChildProcess[] = [];
  /** Short, so a dead node's rooms are taken over within seconds. */
  readonly leaseMs = 3000;

  constructor(private readonly dir: string) {}

  /** Starts node `id`; `env` adds to (or overrides) its settings, e.g. SFU_PUBLIC_URL behind a load balancer. */
  async start(id: string, dbUrl: string, rtcPorts: [number, number], env: Record<string, string> = {}): Promise<NodeProcess> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, ['--import', 'tsx', 'apps/sfu/src/main.ts'], {
      env: {
        ...process.env,
        SFU_NODE_ID: id,
        SFU_PUBLIC_URL: url,
        SFU_NODE_URL: url,
        SFU_NODE_LEASE_MS: String(this.leaseMs),
        SFU_PORT: String(port),
        SFU_HOST: '127.0.0.1',
        SFU_WORKERS: '1',
        SFU_RTC_LISTEN_IP: '127.0.0.1',
        SFU_ANNOUNCED_ADDRESS: '127.0.0.1',
        SFU_RTC_MIN_PORT: String(rtcPorts[0]),
        SFU_RTC_MAX_PORT: String(rtcPorts[1]),
        DATABASE_URL: dbUrl,
        // Shared by the nodes, as a deployment shares it: a rejoin token one node signed, another accepts.
        INVITE_SECRET_FILE: path.join(this.dir, 'invite-secret'),
        RECORDINGS_DIR: path.join(this.dir, `recordings-${id}`),
        SFU_MAIL_OUTBOX: path.join(this.dir, 'outbox'),
        DEMO_MAX_ROOMS: '0',
        LOG_LEVEL: process.env.NODES_LOG_LEVEL ?? 'warn',
        ...env,
      },
      stdio: ['ignore', process.env.NODES_LOG_LEVEL ? 'inherit' : 'ignore', 'inherit'],
    });
    this.children.push(child);
    const end = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`SFU node ${id} exited with ${child.exitCode}`);
      if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) return { id, url, child };
      if (Date.now() > end) throw new Error(`SFU node ${id} did not come up`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  killAll(): void {
    for (const c of this.children) c.kill('SIGKILL');
  }

  /**
   * Ends every node still running as an operator would (SIGTERM: it gives its rooms and lease up),
   * SIGKILL after 5 s: what a failed test left running must not hold the next one's ports or rooms.
   */
  async stopRunning(): Promise<void> {
    const running = this.children.filter((c) => c.exitCode === null && c.signalCode === null);
    await Promise.all(
      running.map((c) => {
        const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
        c.kill('SIGCONT');
        c.kill('SIGTERM');
        const force = setTimeout(() => c.kill('SIGKILL'), 5000);
        return exited.finally(() => clearTimeout(force));
      }),
    );
  }
}

export type Joined = { peerId: string; isHost: boolean; locked: boolean; rejoinToken: string; peers: Array<{ displayName: string }>; ai: AiRoomState };

/** A musician's join as a page makes it (the room's capabilities, then join); the raw answer. */
export async function tryJoin(socket: Socket, roomId: string, displayName: string, rejoin?: string) {
  const caps = await ask<{ routerRtpCapabilities: unknown }>(socket, 'getRouterRtpCapabilities', { roomId });
  if (!caps.ok) return caps;
  return ask<Joined>(socket, 'join', { roomId, displayName, role: 'musician', rtpCapabilities: caps.data.routerRtpCapabilities, ...(rejoin && { rejoin }) });
}
