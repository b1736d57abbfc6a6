import { Device, type types } from 'mediasoup-client';
import { MUSIC_OPUS, type AiState, type PeerInfo, type ProducerInfo, type Role } from '@bandmate/shared';
import { setLowestJitterTarget } from './jitter-target.ts';
import { openMicrophone } from './microphone.ts';
import { MixerGraph } from './mixer-graph.ts';
import { receiveStats, type ReceiveStats } from './receive-stats.ts';
import { SignalClient } from './signal-client.ts';

export type SessionPhase = 'idle' | 'joining' | 'joined' | 'reconnecting' | 'left' | 'error';

export interface RemotePeer extends PeerInfo {
  producerId?: string;
  stats?: ReceiveStats;
}

export interface SessionState {
  phase: SessionPhase;
  error?: string;
  roomName?: string;
  self?: PeerInfo;
  peers: RemotePeer[];
  isHost?: boolean;
  ai?: AiState;
}

export interface JoinOptions {
  roomId: string;
  displayName: string;
  role: Role;
  deviceId?: string;
  /** Publish this track instead of opening the microphone (file playback, benchmarks). */
  track?: MediaStreamTrack;
}

const STATS_INTERVAL_MS = 1000;

/**
 * One browser's membership of a room: signalling, mediasoup-client transports,
 * the microphone producer, a consumer per remote musician, and the local mix.
 * React only renders `state`; it never touches these objects.
 */
export class RoomSession {
  private readonly signal: SignalClient;
  private listeners = new Set<() => void>();
  private current: SessionState = { phase: 'idle', peers: [] };
  private device?: Device;
  private sendTransport?: types.Transport;
  private recvTransport?: types.Transport;
  private micTrack?: MediaStreamTrack;
  private micProducer?: types.Producer;
  private readonly consumers = new Map<string, types.Consumer>();
  /** Producers announced before the recv transport exists are consumed once it does. */
  private pendingProducers: ProducerInfo[] = [];
  private statsTimer?: ReturnType<typeof setInterval>;
  private unsubscribe: Array<() => void> = [];
  private lastJoin?: JoinOptions;
  graph?: MixerGraph;

  constructor(sfuUrl: string) {
    this.signal = new SignalClient(sfuUrl);
    this.signal.socket.on('disconnect', () => {
      if (this.current.phase !== 'joined') return;
      this.teardownMedia();
      this.update({ phase: 'reconnecting', peers: [] });
    });
    this.signal.socket.on('connect', () => {
      if (this.current.phase === 'reconnecting' && this.lastJoin) void this.join(this.lastJoin);
    });
  }

  get state(): SessionState {
    return this.current;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  async join(options: JoinOptions): Promise<void> {
    this.lastJoin = options;
    this.update({ phase: 'joining', error: undefined, peers: [] });
    try {
      this.graph = new MixerGraph();
      await this.graph.resume();
      if (options.role === 'musician') this.micTrack = options.track ?? (await openMicrophone(options.deviceId));

      const { routerRtpCapabilities } = await this.signal.request('getRouterRtpCapabilities', { roomId: options.roomId });
      this.device = new Device();
      await this.device.load({ routerRtpCapabilities: routerRtpCapabilities as unknown as types.RtpCapabilities });
      this.listen();
      const joined = await this.signal.request('join', {
        roomId: options.roomId,
        displayName: options.displayName,
        role: options.role,
        rtpCapabilities: this.device.rtpCapabilities as unknown as Record<string, unknown>,
      });
      this.update({
        roomName: joined.roomName,
        self: { id: joined.peerId, displayName: options.displayName, role: options.role },
        peers: joined.peers,
        isHost: joined.isHost,
        ai: joined.ai,
      });
      this.recvTransport = await this.createTransport('recv');
      tapReceivers(this.recvTransport);
      const announced = [...joined.producers, ...this.pendingProducers];
      this.pendingProducers = [];
      for (const producer of announced) await this.consume(producer);
      if (this.micTrack) await this.publishMicrophone(this.micTrack);
      this.statsTimer = setInterval(() => void this.pollStats(), STATS_INTERVAL_MS);
      this.update({ phase: 'joined' });
    } catch (err) {
      await this.leave({ keepError: true });
      this.update({ phase: 'error', error: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }

  async leave(options: { keepError?: boolean } = {}): Promise<void> {
    this.lastJoin = options.keepError ? this.lastJoin : undefined;
    if (this.signal.socket.connected) await this.signal.request('leave', {}).catch(() => {});
    this.teardownMedia();
    if (!options.keepError) this.update({ phase: 'left', peers: [], self: undefined });
  }

  /** Host only: switch the AI band member on or off, choose its instrument and volume. */
  async setAi(request: { enabled: boolean; instrument?: string; volume?: number }): Promise<void> {
    try {
      this.update({ ai: await this.signal.request('setAi', request) });
    } catch (err) {
      if (this.current.ai) this.update({ ai: { ...this.current.ai, state: 'error', message: (err as Error).message } });
    }
  }

  /** The received track of a peer's microphone, once it is being consumed. */
  remoteTrack(peerId: string): MediaStreamTrack | undefined {
    for (const c of this.consumers.values()) if (c.appData.peerId === peerId) return c.track;
    return undefined;
  }

  /** The browser's inbound-rtp and codec statistics of a peer's stream (diagnostics, tests). */
  async inboundRtp(peerId: string): Promise<{ inbound?: Record<string, unknown>; codec?: Record<string, unknown> }> {
    const consumer = [...this.consumers.values()].find((c) => c.appData.peerId === peerId);
    return consumer ? rtpStats(await consumer.getStats(), 'inbound-rtp') : {};
  }

  /** The same for what this page sends. */
  async outboundRtp(): Promise<{ outbound?: Record<string, unknown>; codec?: Record<string, unknown> }> {
    if (!this.micProducer) return {};
    const { inbound: outbound, codec } = rtpStats(await this.micProducer.getStats(), 'outbound-rtp');
    return { outbound, codec };
  }

  setStrip(peerId: string, settings: Parameters<MixerGraph['setStrip']>[1]): void {
    this.graph?.setStrip(peerId, settings);
    this.notify();
  }

  close(): void {
    void this.leave();
    this.signal.close();
  }

  private async publishMicrophone(track: MediaStreamTrack): Promise<void> {
    this.graph?.addSource('self', track, { monitor: false });
    this.sendTransport = await this.createTransport('send');
    this.micProducer = await this.sendTransport.produce({
      track,
      appData: { source: 'mic' },
      codecOptions: {
        opusStereo: MUSIC_OPUS.channels === 2,
        opusDtx: MUSIC_OPUS.dtx,
        opusFec: MUSIC_OPUS.fec,
        opusPtime: MUSIC_OPUS.ptimeMs,
        opusMaxAverageBitrate: MUSIC_OPUS.maxAverageBitrate,
        opusMaxPlaybackRate: 48000,
      },
    });
  }

  private async createTransport(direction: 'send' | 'recv'): Promise<types.Transport> {
    if (!this.device) throw new Error('device not loaded');
    const options = await this.signal.request('createWebRtcTransport', { direction });
    const params = options as unknown as types.TransportOptions;
    const transport =
      direction === 'send' ? this.device.createSendTransport(params) : this.device.createRecvTransport(params);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.signal
        .request('connectWebRtcTransport', {
          transportId: transport.id,
          dtlsParameters: dtlsParameters as unknown as { fingerprints: { algorithm: string; value: string }[] },
        })
        .then(() => callback(), errback);
    });
    if (direction === 'send') {
      transport.on('produce', ({ rtpParameters }, callback, errback) => {
        this.signal
          .request('produce', {
            transportId: transport.id,
            kind: 'audio',
            rtpParameters: rtpParameters as unknown as { codecs: [] },
            source: 'mic',
          })
          .then(({ producerId }) => callback({ id: producerId }), errback);
      });
    }
    return transport;
  }

  private async consume(producer: ProducerInfo): Promise<void> {
    if (!this.recvTransport || producer.kind !== 'audio') return;
    if ([...this.consumers.values()].some((c) => c.producerId === producer.producerId)) return;
    const reply = await this.signal.request('consume', { producerId: producer.producerId });
    const consumer = await this.recvTransport.consume({
      id: reply.consumerId,
      producerId: reply.producerId,
      kind: 'audio',
      rtpParameters: reply.rtpParameters as unknown as types.RtpParameters,
      appData: { peerId: reply.peerId },
    });
    this.consumers.set(consumer.id, consumer);
    setLowestJitterTarget(consumer.rtpReceiver);
    this.graph?.addSource(reply.peerId, consumer.track, { monitor: true });
    await this.signal.request('resumeConsumer', { consumerId: consumer.id });
    this.patchPeer(reply.peerId, { producerId: reply.producerId });
  }

  private listen(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [
      this.signal.on('peerJoined', (peer) => this.update({ peers: [...this.current.peers.filter((p) => p.id !== peer.id), peer] })),
      this.signal.on('peerLeft', ({ peerId }) => {
        this.graph?.removeSource(peerId);
        this.update({ peers: this.current.peers.filter((p) => p.id !== peerId) });
      }),
      this.signal.on('newProducer', (producer) => {
        if (!this.recvTransport) {
          this.pendingProducers.push(producer);
          return;
        }
        this.consume(producer).catch((err) => console.warn('could not receive a new stream', err));
      }),
      this.signal.on('consumerClosed', ({ consumerId }) => this.dropConsumer(consumerId)),
      this.signal.on('aiState', (ai) => this.update({ ai })),
      this.signal.on('hostChanged', ({ peerId }) => this.update({ isHost: peerId === this.current.self?.id })),
      this.signal.on('producerClosed', ({ producerId }) => {
        for (const c of this.consumers.values()) if (c.producerId === producerId) this.dropConsumer(c.id);
      }),
    ];
  }

  private dropConsumer(consumerId: string): void {
    const consumer = this.consumers.get(consumerId);
    if (!consumer) return;
    consumer.close();
    this.consumers.delete(consumerId);
    const peerId = String(consumer.appData.peerId);
    this.graph?.removeSource(peerId);
    this.patchPeer(peerId, { producerId: undefined, stats: undefined });
  }

  private async pollStats(): Promise<void> {
    for (const consumer of this.consumers.values()) {
      const stats = await receiveStats(consumer, MUSIC_OPUS.ptimeMs).catch(() => undefined);
      if (stats) this.patchPeer(String(consumer.appData.peerId), { stats });
    }
  }

  private patchPeer(peerId: string, patch: Partial<RemotePeer>): void {
    this.update({ peers: this.current.peers.map((p) => (p.id === peerId ? { ...p, ...patch } : p)) });
  }

  private teardownMedia(): void {
    clearInterval(this.statsTimer);
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    for (const c of this.consumers.values()) c.close();
    this.consumers.clear();
    this.pendingProducers = [];
    this.sendTransport?.close();
    this.recvTransport?.close();
    this.sendTransport = this.recvTransport = undefined;
    this.micProducer = undefined;
    this.micTrack?.stop();
    this.micTrack = undefined;
    void this.graph?.close().catch(() => {});
    this.graph = undefined;
  }

  private update(patch: Partial<SessionState>): void {
    this.current = { ...this.current, ...patch };
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

function rtpStats(report: RTCStatsReport, type: 'inbound-rtp' | 'outbound-rtp') {
  const all = [...report.values()] as Array<Record<string, unknown> & { type: string; id: string }>;
  const rtp = all.find((s) => s.type === type && s.kind === 'audio');
  return { inbound: rtp, codec: all.find((s) => s.type === 'codec' && s.id === rtp?.codecId) };
}

/**
 * Diagnostics hook (tests, measurements): a page that defines `__bandmateReceiverTap` gets every
 * new receiver, keyed by its track id, to attach an RTCRtpScriptTransform that sees encoded
 * frames before the jitter buffer. Chromium routes frames only to a transform set while the
 * remote description is applied (the peer connection's `track` event), hence the reach into
 * mediasoup-client's handler.
 */
type ReceiverTap = (trackId: string, receiver: RTCRtpReceiver) => void;
function tapReceivers(transport: types.Transport): void {
  const tap = (globalThis as { __bandmateReceiverTap?: ReceiverTap }).__bandmateReceiverTap;
  const pc = (transport.handler as unknown as { _pc?: RTCPeerConnection })._pc;
  if (tap && pc) pc.addEventListener('track', (e) => tap(e.track.id, e.receiver));
}
