import { createAdapter } from '@socket.io/postgres-adapter';
import pg from 'pg';
import type { Namespace } from 'socket.io';
import type { Logger } from '../logger.ts';

/**
 * The bus between SFU nodes: socket.io's PostgreSQL adapter (LISTEN/NOTIFY on the database the
 * nodes already share), rather than Redis, which would be one more service to run, secure and
 * watch for the few small messages a lobby needs. A message over NOTIFY's 8000 bytes is stored in
 * a table and only its id sent.
 */
export interface SharedBus {
  adapterFor(namespace: Namespace): Namespace['adapter'];
  close(): Promise<void>;
}

const TABLE = 'socket_io_attachments';

export async function openPostgresBus(url: string, logger: Logger): Promise<SharedBus> {
  // Its own small pool: LISTEN holds one connection for good, and Prisma's pool stays the app's.
  const pool = new pg.Pool({ connectionString: url, max: 3, connectionTimeoutMillis: 5000 });
  pool.on('error', (err) => logger.warn({ err: err.message }, 'bus: a database connection failed (the bus reconnects)'));
  try {
    await pool.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (id bigserial UNIQUE, created_at timestamptz DEFAULT NOW(), payload bytea)`);
  } catch (err) {
    // Two nodes starting at once race to create it: the loser's error means the table is there.
    const code = (err as { code?: string }).code;
    if (code !== '23505' && code !== '42P07') {
      await pool.end();
      throw err;
    }
  }
  // The adapter holds its LISTEN connection checked out of the pool, where pg leaves no error
  // listener (a connection the server cuts would throw from the client and end the process), and
  // drops it when it ends without giving it back, so the pool waits for it for ever (closing the
  // SFU hung after a database restart) and, after `max` such ends, has none left to give. Each
  // connection it takes gets an error listener, and is given back, as dead, when it ends.
  const adapterPool = {
    query: pool.query.bind(pool),
    connect: async () => {
      const client = await pool.connect();
      client.on('error', (err) => logger.warn({ err: err.message }, 'bus: its connection to the database was cut (the bus reconnects)'));
      client.once('end', () => {
        try {
          client.release(true);
        } catch {
          // given back already (the adapter closing)
        }
      });
      return client;
    },
  } as unknown as pg.Pool;
  const adapterFor = createAdapter(adapterPool, {
    tableName: TABLE,
    errorHandler: (err: Error) => logger.warn({ err: err.message }, 'bus: publishing or listening failed'),
  });
  return {
    adapterFor: (namespace) => adapterFor(namespace) as unknown as Namespace['adapter'],
    close: () => pool.end(),
  };
}
