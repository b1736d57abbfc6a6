// Telling "the database cannot be reached right now" apart from every other failure, whichever
// driver said it. Such a failure is nobody's bug and no client's mistake: the request may simply be
// tried again once the database is back (the `unavailable` error, 503), while the live rooms carry on.
//
// The same outage reaches us in several shapes: Prisma's own codes, its driver adapters' error kinds
// (sometimes thrown bare, as DriverAdapterError, when a pooled connection dies mid-query), and the
// drivers' raw errors (pg, better-sqlite3) where an adapter passes them through unmapped.

/** What a client is told: nothing of the driver's wording, and what to do. */
export const DATABASE_UNAVAILABLE_MESSAGE = "the server's database cannot be reached right now; try again in a few seconds";

/**
 * P1001 can't reach the server, P1002 it timed out, P1008 an operation timed out (the SQLite
 * adapter's SQLITE_BUSY), P1017 the server closed the connection, P2024 no pooled connection in time.
 */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** The kinds @prisma/driver-adapter-utils gives a lost or refused connection. */
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
/** Node's socket errors for a server that is not there (any more). */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH']);
/**
 * PostgreSQL's SQLSTATEs for the same: class 08 (connection exception), 57P01-57P03 (the server
 * shutting down, crashed, or still starting up), 53300 (too many connections).
 */
const POSTGRES_STATE = /^(08...|57P0[123]|53300)$/;
/** SQLite: another process holds the lock (a backup, VACUUM, an open sqlite3 shell), or the file is gone or failing. */
const SQLITE_CODE = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR)/;
/** What pg says, without a code, of a connection that died or never came. */
const PG_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout)/;

interface ErrorShape {
  code?: unknown;
  kind?: unknown;
  /** Set on pg's own DatabaseError, whose code is a SQLSTATE. */
  severity?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: unknown };
}

/** Whether `err` (or what it wraps) says the database is down, unreachable or locked, not that the query was wrong. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  const pending = [err];
  while (pending.length > 0) {
    const e = pending.pop();
    if (typeof e !== 'object' || e === null || seen.has(e)) continue;
    seen.add(e);
    const { code, kind, severity, message, cause, meta } = e as ErrorShape;
    if (typeof code === 'string' && (PRISMA_CODES.has(code) || SOCKET_CODES.has(code) || SQLITE_CODE.test(code))) return true;
    if (typeof kind === 'string' && ADAPTER_KINDS.has(kind)) return true;
    const sqlState = kind === 'postgres' || typeof severity === 'string';
    if (sqlState && typeof code === 'string' && POSTGRES_STATE.test(code)) return true;
    if (typeof message === 'string' && PG_MESSAGES.test(message)) return true;
    pending.push(cause, meta?.driverAdapterError);
  }
  return false;
}
