import type { Namespace, Server } from 'socket.io';
import { LOBBY_NAMESPACE, type LobbyServerToClientEvents } from '@bandmate/shared';
import type { Logger } from '../logger.ts';
import type { SharedBus } from './postgres-bus.ts';

/** Changes closer together than this reach the lobbies as one (a join writes its stay and opens the room). */
const COALESCE_MS = 250;

/**
 * Tells every lobby page that the listed rooms changed, wherever the change happened: the
 * `/lobby` namespace runs on the shared bus when there is one (several SFU nodes), so a room
 * filling up on one node updates a lobby page connected to another. Only this namespace is on
 * the bus: a room's own events stay on its node (its pages all talk to it), off the database.
 */
export class LobbyFeed {
  private namespace?: Namespace<Record<string, never>, LobbyServerToClientEvents>;
  private timer?: NodeJS.Timeout;

  constructor(private readonly logger: Logger) {}

  /** Opens the namespace; `limit` is the signalling's per-address connection limit (one tally for both). */
  async attach(io: Server, options: { bus?: SharedBus; limit: Parameters<Namespace['use']>[0] }): Promise<void> {
    const namespace = io.of(LOBBY_NAMESPACE) as unknown as Namespace<Record<string, never>, LobbyServerToClientEvents>;
    if (options.bus) {
      // socket.io sets one adapter for a whole server; this namespace alone gets the bus's.
      namespace.adapter.close();
      namespace.adapter = options.bus.adapterFor(namespace as unknown as Namespace);
      await namespace.adapter.init();
    }
    namespace.use(options.limit as Parameters<typeof namespace.use>[0]);
    // A lobby page only listens: anything it sends is dropped, and a flood ends its connection.
    namespace.on('connection', (socket) => {
      let received = 0;
      socket.onAny(() => {
        if (++received > 20) socket.disconnect(true);
      });
    });
    this.namespace = namespace;
  }

  /** The listed rooms changed here (made, opened, closed; someone's stay written). */
  changed = (): void => {
    if (this.timer || !this.namespace) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.namespace?.emit('roomsChanged', {});
      this.logger.debug('lobby told the rooms changed');
    }, COALESCE_MS);
    this.timer.unref();
  };

  close(): void {
    clearTimeout(this.timer);
    this.namespace = undefined;
  }
}

/** Which writes change what the lobby lists. */
const LOBBY_WRITES = new Set<PropertyKey>(['createRoom', 'closeRoom', 'recordJoin', 'recordLeave']);

/** `store` whose writes that change the lobby's list tell `changed` once they are done. */
export function tellingLobby<S extends object>(store: S, changed: () => void): S {
  return new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      if (!LOBBY_WRITES.has(prop)) return value.bind(target);
      return async (...args: unknown[]) => {
        const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        changed();
        return result;
      };
    },
  });
}
