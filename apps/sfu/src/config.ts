import os from 'node:os';
import { z } from 'zod';
import { isEveryAddress } from '@bandmate/shared/scrape-access';
import { parseEnv } from './env.ts';
import { resolveDatabaseUrl } from './db/url.ts';
import { loadAuthConfig } from './auth/auth-config.ts';
import { loadMailConfig } from './mail/mail-config.ts';
import { loadRecordingConfig } from './recording/recording-config.ts';

/**
 * The SFU's whole configuration, from the environment, validated once.
 * Defaults run everything on one machine.
 */
const envSchema = z.object({
  SFU_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  SFU_HOST: z.string().default('0.0.0.0'),
  SFU_WORKERS: z.coerce.number().int().min(1).max(64).optional(),
  /** Address mediasoup binds its RTP sockets to. */
  SFU_RTC_LISTEN_IP: z.string().default('0.0.0.0'),
  /** Address put into ICE candidates; browsers must be able to reach it. */
  SFU_ANNOUNCED_ADDRESS: z.string().optional(),
  SFU_RTC_MIN_PORT: z.coerce.number().int().min(1024).max(65535).default(40000),
  SFU_RTC_MAX_PORT: z.coerce.number().int().min(1024).max(65535).default(40999),
  SFU_MAX_PEERS_PER_ROOM: z.coerce.number().int().min(1).max(100).default(12),
  /** Peers one account (signed in or guest) holds at once across all rooms: its tabs and devices. */
  SFU_MAX_PEERS_PER_ACCOUNT: z.coerce.number().int().min(1).max(1000).default(8),
  /** How long a room waits for its people after its media worker died or the SFU restarted (ms). */
  SFU_RETURN_GRACE_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  /** A bearer token for GET /metrics; unset, only a scraper on this machine (loopback, not proxied) may read it. */
  METRICS_TOKEN: z.union([z.literal(''), z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').max(200)]).optional(),
  /** Sustained signalling events per second per connection, and the burst above it. */
  SFU_EVENTS_PER_SECOND: z.coerce.number().positive().default(20),
  SFU_EVENT_BURST: z.coerce.number().int().positive().default(60),
  /**
   * Signalling connections open at once from one client address: each can hold two WebRTC
   * transports (four media ports), so one address cannot take the port range from everyone else.
   */
  SFU_MAX_CONNECTIONS_PER_IP: z.coerce.number().int().min(1).max(10_000).default(32),
  /**
   * Comma-separated origins of the web app: the only pages that may use the API and signalling
   * with the visitor's session. Default: the web app of `npm start` on this machine.
   */
  SFU_CORS_ORIGINS: z.string().optional(),
  WEB_PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  DATABASE_URL: z.string().optional(),
  /** Shared secret of the inference worker; without one it must connect from this machine. */
  AGENT_SECRET: z.string().min(16, 'AGENT_SECRET must be at least 16 characters').optional(),
  /** Address the SFU and the inference worker exchange plain RTP on. */
  SFU_AGENT_IP: z.string().default('127.0.0.1'),
  /** Where the workers send their RTP: SFU_AGENT_IP unless that is every address (0.0.0.0), then this must be set. */
  SFU_AGENT_ANNOUNCED_ADDRESS: z.union([z.ipv4(), z.ipv6()]).optional(),
  /** Inference workers admitted at once (the AI players are spread over them). */
  SFU_AGENT_MAX_WORKERS: z.coerce.number().int().min(1).max(256).default(8),
  /** The lobby lists at most this many public rooms, newest first… */
  SFU_LOBBY_MAX_ROOMS: z.coerce.number().int().min(1).max(1000).default(100),
  /** …of those made in the last this many minutes or with someone in them now (empty old rooms drop out). */
  SFU_LOBBY_IDLE_MINUTES: z.coerce.number().positive().max(525_600).default(1440),
  /** Demo rooms (a virtual band + the AI) alive at once; 0 turns the demo off. */
  DEMO_MAX_ROOMS: z.coerce.number().int().min(0).max(100).default(4),
  /**
   * This SFU node's name in the database several nodes may share (each live room runs on one node).
   * The default, the host's name, suits one SFU per host: a restarted SFU is the same node and
   * takes its rooms back at once. Give each node its own when several run on one host.
   */
  SFU_NODE_ID: z.string().min(1).max(100).regex(/^[\w.:-]+$/, 'SFU_NODE_ID: letters, digits, ".", ":", "_" and "-" only').optional(),
  /** Where browsers reach the SFU's signalling (the web app hands it to pages). */
  SFU_PUBLIC_URL: z.union([z.literal(''), z.string().url().max(500)]).optional(),
  /**
   * Where the other SFU nodes reach this one, to relay the signalling of browsers that reached them
   * for a room running here. Defaults to SFU_PUBLIC_URL; set it when the public URL is one address
   * in front of every node (a load balancer), e.g. http://10.0.0.5:4000.
   */
  SFU_NODE_URL: z.union([z.literal(''), z.string().url().max(500)]).optional(),
  /**
   * A room nobody runs yet opens on the least loaded live node when that one has at least this
   * many fewer people in its rooms than the node the first page reached (which relays it there).
   */
  SFU_PLACEMENT_MARGIN: z.coerce.number().int().min(0).max(1_000_000).default(4),
  /**
   * Listeners whose page reached this node for a room another node runs get their media from this
   * node, piped once per room from the room's node (a lesson's audience spread over nodes); off:
   * from the room's node, like musicians.
   */
  SFU_EDGE_LISTENERS: z.enum(['true', 'false']).default('true'),
  /**
   * Measure how late each musician's packets reach this SFU (the p99 and the most of the last
   * minute, per stream, in /metrics as bandmate_arrival_lateness_ms): one notification per packet
   * from the media worker, so off unless asked for. The latency bench turns it on.
   */
  SFU_ARRIVAL_STATS: z.enum(['true', 'false']).default('false'),
  /** Where the other SFU nodes send the RTP of rooms piped between nodes; defaults to SFU_ANNOUNCED_ADDRESS. */
  SFU_PIPE_ADDRESS: z.string().min(1).max(253).optional(),
  /** A node silent this long is dead, and a live node takes over its rooms (it heartbeats every third of it). */
  SFU_NODE_LEASE_MS: z.coerce.number().int().min(3000).max(600_000).default(15_000),
  /**
   * The bus between SFU nodes for what every node's pages must hear (the lobby's live list):
   * `postgres` (socket.io's PostgreSQL adapter on DATABASE_URL) is the default on PostgreSQL;
   * `off` keeps it on this node (SQLite, one node, has no bus).
   */
  SFU_BUS: z.enum(['postgres', 'off']).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type SfuConfig = ReturnType<typeof loadConfig>;

export function loadConfig(env: Record<string, string | undefined> = process.env) {
  const e = parseEnv(envSchema, env);
  if (e.SFU_RTC_MIN_PORT > e.SFU_RTC_MAX_PORT) {
    throw new Error('Invalid SFU configuration: SFU_RTC_MIN_PORT is above SFU_RTC_MAX_PORT');
  }
  const announcedAddress = e.SFU_ANNOUNCED_ADDRESS ?? guessAnnouncedAddress(e.SFU_RTC_LISTEN_IP);
  const corsOrigins = webOrigins(e.SFU_CORS_ORIGINS ?? `http://localhost:${e.WEB_PORT},http://127.0.0.1:${e.WEB_PORT}`);
  return {
    port: e.SFU_PORT,
    host: e.SFU_HOST,
    workers: e.SFU_WORKERS ?? Math.max(1, os.availableParallelism()),
    rtc: {
      listenIp: e.SFU_RTC_LISTEN_IP,
      announcedAddress,
      minPort: e.SFU_RTC_MIN_PORT,
      maxPort: e.SFU_RTC_MAX_PORT,
      arrivalStats: e.SFU_ARRIVAL_STATS === 'true',
    },
    maxPeersPerRoom: e.SFU_MAX_PEERS_PER_ROOM,
    maxPeersPerAccount: e.SFU_MAX_PEERS_PER_ACCOUNT,
    returnGraceMs: e.SFU_RETURN_GRACE_MS,
    node: { id: e.SFU_NODE_ID ?? os.hostname(), url: e.SFU_NODE_URL || e.SFU_PUBLIC_URL || null, leaseMs: e.SFU_NODE_LEASE_MS, placementMargin: e.SFU_PLACEMENT_MARGIN },
    /** Rooms spanning nodes (apps/sfu/src/edge): listeners served here, and where pipes reach this node. */
    edge: { listeners: e.SFU_EDGE_LISTENERS === 'true', pipeAddress: e.SFU_PIPE_ADDRESS ?? announcedAddress },
    // Empty counts as unset (`METRICS_TOKEN: ${METRICS_TOKEN:-}` in Compose).
    metricsToken: e.METRICS_TOKEN || undefined,
    rateLimit: { perSecond: e.SFU_EVENTS_PER_SECOND, burst: e.SFU_EVENT_BURST, connectionsPerAddress: e.SFU_MAX_CONNECTIONS_PER_IP },
    corsOrigins,
    databaseUrl: e.DATABASE_URL,
    agent: { secret: e.AGENT_SECRET, ip: e.SFU_AGENT_IP, announcedIp: agentAnnouncedIp(e.SFU_AGENT_IP, e.SFU_AGENT_ANNOUNCED_ADDRESS), maxWorkers: e.SFU_AGENT_MAX_WORKERS },
    demo: { maxRooms: e.DEMO_MAX_ROOMS },
    lobby: { maxRooms: e.SFU_LOBBY_MAX_ROOMS, idleMs: e.SFU_LOBBY_IDLE_MINUTES * 60_000 },
    bus: busOf(e.SFU_BUS, e.DATABASE_URL),
    logLevel: e.LOG_LEVEL,
    /** Accounts, invites and access rate limits (apps/sfu/src/auth/auth-config.ts). */
    auth: loadAuthConfig(env),
    /** Where mail goes (apps/sfu/src/mail/mail-config.ts). */
    mail: loadMailConfig(env, { webOrigin: corsOrigins[0]!, databaseUrl: e.DATABASE_URL }),
    /** Recording rooms (apps/sfu/src/recording/recording-config.ts). */
    recordings: loadRecordingConfig(env),
  };
}

function busOf(setting: 'postgres' | 'off' | undefined, databaseUrl: string | undefined): { url: string } | null {
  const database = resolveDatabaseUrl(databaseUrl);
  const onPostgres = database.provider === 'postgresql';
  if (setting === 'postgres' && !onPostgres) throw new Error('Invalid SFU configuration: SFU_BUS=postgres needs a postgresql:// DATABASE_URL');
  return setting !== 'off' && onPostgres ? { url: database.url } : null;
}

/** Each entry must be exactly an origin (scheme://host[:port]); a wildcard would hand the visitor's session to any site. */
function webOrigins(list: string): string[] {
  const origins = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (origins.length === 0) throw new Error('Invalid SFU configuration: SFU_CORS_ORIGINS lists no origin');
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.origin !== origin || !/^https?:$/.test(parsed.protocol)) {
      throw new Error(`Invalid SFU configuration: SFU_CORS_ORIGINS: "${origin}" is not an origin like https://jam.example.com (no "*", no path)`);
    }
  }
  return origins;
}

/** Where workers on other hosts send their RTP: a wildcard listen address names no host. */
function agentAnnouncedIp(listenIp: string, announced: string | undefined): string {
  if (announced) return announced;
  if (isEveryAddress(listenIp)) {
    throw new Error('Invalid SFU configuration: SFU_AGENT_IP listens on every address; set SFU_AGENT_ANNOUNCED_ADDRESS to the one the inference workers reach');
  }
  return listenIp;
}

/**
 * With a wildcard listen address the browser needs a concrete address to reach.
 * Chromium drops loopback candidates unless told otherwise, so prefer the first
 * LAN address and fall back to loopback on a machine that has none.
 */
function guessAnnouncedAddress(listenIp: string): string {
  if (!isEveryAddress(listenIp)) return listenIp;
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.family === 'IPv4' && !a.internal) return a.address;
    }
  }
  return '127.0.0.1';
}
