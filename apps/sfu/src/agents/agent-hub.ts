import { createHash, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Server, Socket } from 'socket.io';
import {
  AGENT_NAMESPACE,
  AGENT_LATENCY_PROBE,
  agentAckSchema,
  agentLatencyProbeSchema,
  agentCommands,
  agentHelloSchema,
  agentReplies,
  type AgentReply,
  agentStatusSchema,
  type AgentCommand,
  type ErrorCode,
} from '@bandmate/shared';
import type { z } from 'zod';
import type { Logger } from '../logger.ts';

export interface AgentInfo {
  model: string;
  instruments: string[];
  provider: string;
}

interface HubEvents {
  connected: [info: AgentInfo];
  disconnected: [];
  status: [status: z.infer<typeof agentStatusSchema>];
}

const COMMAND_TIMEOUT_MS = 10_000;

/** A command the worker refused or failed, with its code in the shared error model. */
export class AgentCommandError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AgentCommandError';
  }
}

/** A refused `/agent` handshake: the worker's connect_error carries `data: { code, message }`. */
export class AgentRefusedError extends Error {
  readonly data: { code: ErrorCode; message: string };

  constructor(code: Extract<ErrorCode, 'agent_unauthorised' | 'agent_busy'>, message: string) {
    super(message);
    this.data = { code, message };
  }
}

/**
 * The SFU's end of the inference worker connection (socket.io namespace `/agent`).
 *
 * The worker hears every musician and plays into the room, so only a holder of AGENT_SECRET may
 * be it. There is no address-based fallback: behind a reverse proxy on the same host every client
 * is loopback. Without a secret configured the namespace admits nobody. One worker at a time: while
 * it is connected another one is refused (`agent_busy`) rather than replacing it.
 */
export class AgentHub extends EventEmitter<HubEvents> {
  private agent: { socket: Socket; info: AgentInfo } | undefined;
  private readonly secretDigest: Buffer | undefined;

  constructor(io: Server, secret: string | undefined, private readonly logger: Logger) {
    super();
    this.secretDigest = secret === undefined ? undefined : digest(secret);
    if (!secret) logger.warn('AGENT_SECRET is not set: the AI worker cannot connect (set the same one for the SFU and the worker)');
    const ns = io.of(AGENT_NAMESPACE);
    ns.use((socket, next) => {
      const refusal = this.refusal(socket);
      if (refusal) this.logger.warn({ address: socket.handshake.address, code: refusal.data.code }, 'AI worker connection refused');
      next(refusal);
    });
    ns.on('connection', (socket) => this.accept(socket));
  }

  get info(): AgentInfo | undefined {
    return this.agent?.info;
  }

  /**
   * Lets the connected worker go (to drain it or move it): the rooms see it as lost, and the
   * worker connects again by itself after a short wait (or another one takes its place).
   */
  release(): void {
    this.agent?.socket.disconnect(true);
  }

  /** Sends a command and reads its acknowledgement against the protocol; a refusal throws AgentCommandError. */
  async command<C extends AgentCommand>(name: C, payload: z.infer<(typeof agentCommands)[C]>): Promise<AgentReply<C>> {
    const agent = this.agent;
    if (!agent) throw new AgentCommandError('ai_unavailable', 'the AI worker is not connected');
    const ack = agentAckSchema.safeParse(await agent.socket.timeout(COMMAND_TIMEOUT_MS).emitWithAck(name, agentCommands[name].parse(payload)));
    if (!ack.success) throw new AgentCommandError('internal', `${name}: the AI worker answered outside the protocol`);
    if (!ack.data.ok) throw new AgentCommandError(ack.data.error.code, `${name}: ${ack.data.error.message}`);
    const reply = agentReplies[name].safeParse(ack.data.data);
    if (!reply.success) throw new AgentCommandError('internal', `${name}: the AI worker's reply is malformed`);
    return reply.data as AgentReply<C>;
  }

  private refusal(socket: Socket): AgentRefusedError | undefined {
    if (!this.secretDigest) return new AgentRefusedError('agent_unauthorised', 'this SFU has no AGENT_SECRET; set the same one for the SFU and the worker');
    const given = (socket.handshake.auth as { secret?: unknown } | undefined)?.secret;
    // Digests of equal length, so neither the comparison time nor a length check tells how much matched.
    if (typeof given !== 'string' || !timingSafeEqual(digest(given), this.secretDigest)) {
      return new AgentRefusedError('agent_unauthorised', 'wrong or missing AGENT_SECRET');
    }
    if (this.agent?.socket.connected) return new AgentRefusedError('agent_busy', 'another AI worker is connected to this SFU');
    return undefined;
  }

  private accept(socket: Socket): void {
    socket.once('hello', (payload: unknown) => {
      const hello = agentHelloSchema.safeParse(payload);
      // Two workers that both passed the handshake before either said hello: the first one stays.
      if (!hello.success || (this.agent && this.agent.socket !== socket)) {
        socket.disconnect(true);
        return;
      }
      this.agent = { socket, info: hello.data };
      this.logger.info(hello.data, 'AI worker connected');
      this.emit('connected', hello.data);
    });
    // The worker times its round trip to choose its look-ahead (t_f): answered at once, nothing else.
    socket.on(AGENT_LATENCY_PROBE, (payload: unknown, ack?: unknown) => {
      if (typeof ack === 'function' && agentLatencyProbeSchema.safeParse(payload).success) ack({});
    });
    socket.on('status', (payload: unknown) => {
      if (this.agent?.socket !== socket) return;
      const status = agentStatusSchema.safeParse(payload);
      if (status.success) this.emit('status', status.data);
    });
    socket.on('disconnect', () => {
      if (this.agent?.socket !== socket) return;
      this.agent = undefined;
      this.logger.warn('AI worker disconnected');
      this.emit('disconnected');
    });
  }
}

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}
