import { io, type Socket } from 'socket.io-client';
import {
  notifications,
  requests,
  SignalRequestError,
  type Ack,
  type NotificationName,
  type NotificationOf,
  type RequestName,
  type RequestOf,
  type ResponseOf,
  SIGNAL_REQUEST_TIMEOUT_MS as REQUEST_TIMEOUT_MS,
} from '@bandmate/shared';

/** Typed, validated requests and notifications over one socket.io connection. */
export class SignalClient {
  readonly socket: Socket;

  constructor(url: string) {
    // withCredentials: the session cookie rides on the handshake (the SFU reads who this is from it).
    // Retries every 0.5–2 s, not socket.io's up to 5 s: after a server restart the band is back sooner.
    this.socket = io(url, { transports: ['websocket'], reconnection: true, reconnectionDelay: 500, reconnectionDelayMax: 2000, withCredentials: true });
  }

  /**
   * A new handshake, so the server sees the session cookie set since this socket connected
   * (a guest account made just now, a sign-in in another tab).
   */
  async reconnect(): Promise<void> {
    const connected = new Promise<void>((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('connect_error', (err) => reject(err));
    });
    this.socket.disconnect();
    this.socket.connect();
    await connected;
  }

  async request<N extends RequestName>(name: N, payload: RequestOf<N>): Promise<ResponseOf<N>> {
    const reply = (await this.socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck(name, payload)) as Ack<unknown>;
    if (!reply.ok) throw new SignalRequestError(reply.error.code, reply.error.message);
    const parsed = requests[name].response.safeParse(reply.data);
    if (!parsed.success) throw new SignalRequestError('internal', `server sent a malformed ${name} reply`);
    return parsed.data as ResponseOf<N>;
  }

  on<N extends NotificationName>(name: N, handler: (payload: NotificationOf<N>) => void): () => void {
    const listener = (payload: unknown) => {
      const parsed = notifications[name].safeParse(payload);
      if (parsed.success) handler(parsed.data as NotificationOf<N>);
      else console.warn(`ignored malformed ${name} notification`, parsed.error);
    };
    this.socket.on(name as string, listener);
    return () => this.socket.off(name as string, listener);
  }

  close(): void {
    this.socket.close();
  }
}
