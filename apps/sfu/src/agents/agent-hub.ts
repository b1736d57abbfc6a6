import { EventEmitter } from 'node:events';
import type { Server, Socket } from 'socket.io';
import {
  AGENT_NAMESPACE,
  agentCommands,
  agentHelloSchema,
  agentStatusSchema,
  type AgentCommand,
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

/**
 * The SFU's end of the inference worker connection (socket.io namespace `/agent`).
 * One worker at a time; it authenticates with AGENT_SECRET, or, when none is set,
 * must connect from this machine.
 */
export class AgentHub extends EventEmitter<HubEvents> {
  private agent: { socket: Socket; info: AgentInfo } | undefined;

  constructor(io: Server, secret: string | undefined, private readonly logger: Logger) {
    super();
    const ns = io.of(AGENT_NAMESPACE);
    ns.use((socket, next) => {
      const ok = secret ? socket.handshake.auth?.secret === secret : isLoopback(socket.handshake.address);
      next(ok ? undefined : new Error('agent not authorised'));
    });
    ns.on('connection', (socket) => this.accept(socket));
  }

  get info(): AgentInfo | undefined {
    return this.agent?.info;
  }

  async command<C extends AgentCommand>(name: C, payload: z.infer<(typeof agentCommands)[C]>): Promise<unknown> {
    const agent = this.agent;
    if (!agent) throw new Error('the AI worker is not connected');
    const reply = (await agent.socket.timeout(COMMAND_TIMEOUT_MS).emitWithAck(name, agentCommands[name].parse(payload))) as
      | { ok: true; data?: unknown }
      | { ok: false; error: string };
    if (!reply?.ok) throw new Error(reply ? reply.error : `${name}: no answer from the AI worker`);
    return reply.data;
  }

  private accept(socket: Socket): void {
    socket.once('hello', (payload: unknown) => {
      const hello = agentHelloSchema.safeParse(payload);
      if (!hello.success) {
        socket.disconnect(true);
        return;
      }
      this.agent?.socket.disconnect(true);
      this.agent = { socket, info: hello.data };
      this.logger.info(hello.data, 'AI worker connected');
      this.emit('connected', hello.data);
    });
    socket.on('status', (payload: unknown) => {
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

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
