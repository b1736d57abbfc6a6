// A second SFU node beside the one scripts/e2e.mjs runs, on the same database (issue 11), and a
// page sent to it as a load balancer in front of both nodes would send it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from '@playwright/test';
import WebSocket from 'ws';
// @ts-expect-error plain ESM script without types
import { freePort, startProcess, waitForHttp } from '../../scripts/lib/processes.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface SecondNode {
  id: string;
  url: string;
  stop(): Promise<void>;
  /** The node dies at once (SIGKILL, its mediasoup workers too), as a machine that fails. */
  kill(): Promise<void>;
}

/** A gauge of an SFU node's /metrics. */
export async function gauge(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
}

/** Starts SFU node `id` on the tests' database (E2E_DATABASE_URL), with media ports of its own. */
export async function startSecondNode(id = 'node-b'): Promise<SecondNode> {
  const databaseUrl = process.env.E2E_DATABASE_URL;
  if (!databaseUrl) throw new Error('E2E_DATABASE_URL is not set (run through scripts/e2e.mjs)');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const node = startProcess(id, process.execPath, ['--import', 'tsx', 'apps/sfu/src/main.ts'], {
    cwd: root,
    env: {
      DATABASE_URL: databaseUrl,
      SFU_NODE_ID: id,
      SFU_PORT: String(port),
      SFU_HOST: '127.0.0.1',
      SFU_PUBLIC_URL: url,
      SFU_WORKERS: '1',
      SFU_RTC_LISTEN_IP: '127.0.0.1',
      SFU_ANNOUNCED_ADDRESS: '127.0.0.1',
      SFU_RTC_MIN_PORT: '41000',
      SFU_RTC_MAX_PORT: '41099',
      SFU_CORS_ORIGINS: process.env.E2E_BASE_URL ?? '',
      DEMO_MAX_ROOMS: '0',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    },
  });
  await waitForHttp(`${url}/health`, { timeoutMs: 30_000, proc: node });
  const kill = async () => {
    if (node.child.exitCode !== null || node.child.signalCode !== null) return;
    const exited = new Promise((resolve) => node.child.once('exit', resolve));
    process.kill(-node.child.pid!, 'SIGKILL');
    await exited;
  };
  return { id, url, stop: () => node.stop(), kill };
}

/**
 * The page's signalling socket reaches `node` instead of the SFU the page was given: the bytes
 * pass unchanged both ways, with the handshake's cookie and origin, as through a load balancer that
 * picked that node. (The page's HTTP calls still go to its own SFU: they work on any node.)
 */
export async function sendSignallingTo(context: BrowserContext, node: SecondNode, pageOrigin: string, options: { fallback?: boolean } = {}): Promise<{ frames: () => number }> {
  let frames = 0;
  await context.routeWebSocket(/\/socket\.io\//, async (route) => {
    const original = new URL(route.url());
    const target = new URL(node.url);
    const cookie = (await context.cookies(route.url())).map((c) => `${c.name}=${c.value}`).join('; ');
    const toNode = new URL(original);
    toNode.host = target.host;
    // With `fallback`, a node that does not answer is passed over for the page's own SFU, as a
    // balancer's health check and redispatch would.
    const reachable = !options.fallback || (await fetch(`${node.url}/health`).then((r) => r.ok, () => false));
    const upstream = new WebSocket((reachable ? toNode : original).toString(), { headers: { origin: pageOrigin, ...(cookie && { cookie }) } });
    const pending: Array<string | Buffer> = [];
    upstream.on('open', () => {
      for (const m of pending.splice(0)) upstream.send(m);
    });
    upstream.on('message', (data, isBinary) => {
      frames += 1;
      route.send(isBinary ? (data as Buffer) : data.toString());
    });
    upstream.on('close', (code, reason) => route.close({ code: code === 1005 ? 1000 : code, reason: reason.toString() }));
    upstream.on('error', () => route.close({ code: 1011, reason: 'node unreachable' }));
    route.onMessage((message) => {
      if (upstream.readyState === WebSocket.OPEN) upstream.send(message);
      else pending.push(message);
    });
    route.onClose(() => upstream.close());
  });
  return { frames: () => frames };
}
