import type { Socket } from 'socket.io';
import type { Logger } from '../logger.ts';

/**
 * socket.io middleware: at most `max` connections open at once from one client address. One
 * instance may guard several namespaces, so a page's room socket and its lobby socket count together.
 */
export function limitConnectionsPerAddress(max: number, addressOf: (socket: Socket) => string, logger: Logger) {
  const open = new Map<string, number>();
  return (socket: Socket, next: (err?: Error) => void) => {
    const address = addressOf(socket);
    const count = open.get(address) ?? 0;
    if (count >= max) {
      logger.warn({ address, open: count, nsp: socket.nsp.name }, 'signalling connection refused: too many from this address');
      const refusal = new Error(`too many connections from your address (${count}); close some tabs and try again`) as Error & { data?: unknown };
      refusal.data = { code: 'rate_limited', message: refusal.message };
      return next(refusal);
    }
    open.set(address, count + 1);
    socket.once('disconnect', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
    next();
  };
}
