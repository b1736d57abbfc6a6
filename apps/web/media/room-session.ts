import { Device, type types } from 'mediasoup-client';
import { MUSIC_OPUS, type AiRoomState, type PeerInfo, type ProducerInfo, type Role } from '@bandmate/shared';
import type { HostControlRequestName, RequestOf } from '@bandmate/shared';
import { noticeForSelfChange, type ControlResult } from './host-controls.ts';
import { keepIceAlive } from './ice-restart.ts';
import { setLowestJitterTarget } from './jitter-target.ts';
import { openMicrophone } from './microphone.ts';
import { MixerGraph } from './mixer-graph.ts';
import { receiveStats, type ReceiveStats } from './receive-stats.ts';
import { fallbackReason } from './playout/fallback.ts';
import { LowLatencyReceiver, lowLatencySupported, type PlayoutPath } from './playout/low-latency-receiver.ts';
import type { PlayoutMode, PlayoutStats, PlayoutTrace } from './playout/playout-buffer.ts';
import { storedPlayoutChoice, storedPlayoutPreference, type PlayoutPreference } from './playout/preference.ts';
import { SignalClient } from './signal-client.ts';
import { ChatSession } from './chat-session.ts';
import { MetronomeSession } from './metronome-session.ts';
import { RecordingSession } from './recording-session.ts';

export type SessionPhase = 'idle' | 'joining' | 'joined' | 'reconnecting' | 'left' | 'error' | 'removed';

export interface RemotePeer extends PeerInfo {
  producerId?: string;
  stats?: ReceiveStats;
}

export interface SessionState {
  phase: SessionPhase;
  error?: string;
  /** The server's code for `error` (invite_required, room_locked, …) when it refused. */
  errorCode?: string;
  roomName?: string;
  self?: PeerInfo;
  peers: RemotePeer[];
  isHost?: boolean;
  ai?: AiRoomState;
  /** The last refusal of an AI control (shown in the AI panel). */
  aiError?: string;
  /** Who hosts (null: nobody), whether the room admits newcomers, the last host-control message. */
  hostId?: string | null;
  locked?: boolean;
  notice?: string;
  /** Whether this page sends its microphone, and whether the player paused it themselves. */
  publishing?: boolean;
  micPaused?: boolean;
  /** Which path plays what this page receives, and why when it is not the one asked for. */
  playout?: { path: PlayoutPath; reason?: string };
  /** Joins completed since the page opened: a rejoin after the server came back counts one more. */
  joins: number;
}

export interface JoinOptions {
  roomId: string;
  displayName: string;
  role: Role;
  deviceId?: string;
  /** Publish this track instead of opening the microphone (file playback, benchmarks). */
  track?: MediaStreamTrack;
  /** The invite link's token (?invite=…), for a private room. */
  invite?: string;
  /**
   * Playout of received streams: our low-latency path (where the browser can; else the browser's
   * own, with the reason shown), or the browser's own. Default: what the listener chose last
   * (localStorage), else DEFAULT_PLAYOUT.
   */
  playout?: PlayoutPreference;
  /**
   * Keep our path even on a machine too busy for it (fallback.ts), as benchmarks that measure it
   * do (their probes are wired to its nodes). Default: kept when `playout` is given or the
   * listener chose a path with the page's switch; otherwise it gives way.
   */
  keepPlayoutPath?: boolean;
  /**
   * The AudioContext the mix plays in (benchmarks build their probe in it, so what they hear is
   * what the mix hears); the session then leaves it open when it leaves. Default: its own.
   */
  context?: AudioContext;
}

export { PLAYOUT_PREFERENCE_KEY, type PlayoutPreference } from './playout/preference.ts';

const STATS_INTERVAL_MS = 1000;
/** Waits between tries to join again after a cut: quick first, then every 2 s. */
const REJOIN_DELAYS_MS = [100, 1000, 2000];
/** How long a page keeps joining again while told `unavailable` (a dead node's lease, 15 s by default, and a heartbeat). */
const REJOIN_PATIENCE_MS = 60_000;

/**
 * One browser's membership of a room: signalling, mediasoup-client transports,
 * the microphone producer, a consumer per remote musician, and the local mix.
 * React only renders `state`; it never touches these objects.
 */
export class RoomSession {
  private readonly signal: SignalClient;
  private listeners = new Set<() => void>();
  private current: SessionState = { phase: 'idle', peers: [], joins: 0 };
  private device?: Device;
  private sendTransport?: types.Transport;
  /** ICE restarts since the page opened (a media path that failed while the signalling stayed up). */
  iceRestarts = 0;
  private recvTransport?: types.Transport;
  private micTrack?: MediaStreamTrack;
  private micProducer?: types.Producer;
  private readonly consumers = new Map<string, types.Consumer>();
  /** Our playout path, when this session uses it (else the browser's jitter buffer plays). */
  private lowLatency?: LowLatencyReceiver;
  /** Why every stream went to the browser's path although ours runs (this machine was too busy for it). */
  private passedOnAll?: string;
  private keepPlayoutPath = false;
  /** Producers announced before the recv transport exists are consumed once it does. */
  private pendingProducers: ProducerInfo[] = [];
  private statsTimer?: ReturnType<typeof setInterval>;
  private unsubscribe: Array<() => void> = [];
  private lastJoin?: JoinOptions;
  /** Given at the last join: shown when this page joins that room again by itself (same peer, host role, past a lock). */
  private rejoinToken?: { roomId: string; token: string };
  /** Made listen-only while sending: start sending again when the host lets this player play. */
  private resumeOnPlay = false;
  graph?: MixerGraph;
  /** The room's metronome (clock sync, local click) and chat, while joined. */
  metronome?: MetronomeSession;
  chat?: ChatSession;
  /** The room's recording (state for everyone, the host's controls, the recordings list), while joined. */
  recording?: RecordingSession;

  constructor(private readonly sfuUrl: string) {
    this.signal = new SignalClient(sfuUrl);
    this.signal.socket.on('disconnect', () => {
      if (this.current.phase !== 'joined') return;
      this.teardownMedia();
      this.update({ phase: 'reconnecting', peers: [] });
    });
    this.signal.socket.on('connect', () => {
      // The server may be back before its rooms are (a restart): a few tries, not one.
      if (this.current.phase === 'reconnecting' && this.lastJoin) void this.rejoin(this.lastJoin);
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
    this.update({ phase: 'joining', error: undefined, errorCode: undefined, peers: [] });
    try {
      this.graph = new MixerGraph(options.context);
      await this.graph.resume();
      // Ours gives way on a busy machine only as the default: one the listener (or a caller) asked for is kept.
      this.keepPlayoutPath = options.keepPlayoutPath ?? (options.playout !== undefined || storedPlayoutChoice() !== undefined);
      await this.choosePlayout(options.playout ?? storedPlayoutPreference());
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
        ...(options.invite ? { invite: options.invite } : {}),
        ...(this.rejoinToken?.roomId === options.roomId ? { rejoin: this.rejoinToken.token } : {}),
      });
      this.rejoinToken = joined.rejoinToken ? { roomId: options.roomId, token: joined.rejoinToken } : undefined;
      this.update({
        roomName: joined.roomName,
        self: joined.self ?? { id: joined.peerId, displayName: options.displayName, role: options.role },
        hostId: joined.hostId ?? null,
        locked: joined.locked ?? false,
        notice: undefined,
        peers: joined.peers,
        isHost: joined.isHost,
        ai: joined.ai,
      });
      // Before the next await, so no 'tempo' or 'chatMessage' notification slips past them.
      this.metronome = new MetronomeSession(this.signal, this.graph.context, joined.tempo);
      this.chat = new ChatSession(this.signal);
      void this.chat.loadHistory();
      this.recording = new RecordingSession(this.signal, this.sfuUrl, options.roomId, joined.recording);
      this.recvTransport = await this.createTransport('recv');
      watchReceivers(this.recvTransport, this.lowLatency);
      const announced = [...joined.producers, ...this.pendingProducers];
      this.pendingProducers = [];
      for (const producer of announced) await this.consume(producer);
      if (this.micTrack) await this.publishMicrophone(this.micTrack);
      this.statsTimer = setInterval(() => void this.pollStats(), STATS_INTERVAL_MS);
      this.update({ phase: 'joined', joins: this.current.joins + 1 });
    } catch (err) {
      await this.leave({ keepError: true });
      const errorCode = (err as { code?: string }).code;
      this.update({ phase: 'error', error: err instanceof Error ? err.message : String(err), errorCode });
      throw err;
    }
  }

  /**
   * Joins again after the room moved, a few times if a try fails, and on while the server answers
   * `unavailable` (try again: the room's SFU node died and another takes it over once that node's
   * lease runs out, up to SFU_NODE_LEASE_MS and a heartbeat later); stops when the page has left.
   */
  private async rejoin(options: JoinOptions): Promise<void> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      await new Promise((r) => setTimeout(r, REJOIN_DELAYS_MS[Math.min(attempt, REJOIN_DELAYS_MS.length - 1)]));
      if (this.lastJoin !== options) return;
      try {
        await this.join(options);
        return;
      } catch (err) {
        // join() showed the error; the next try may succeed (the room was still moving).
        const tryAgain = (err as { code?: string }).code === 'unavailable' && Date.now() - started < REJOIN_PATIENCE_MS;
        if (attempt >= 2 && !tryAgain) return;
      }
    }
  }

  /** Reconnects signalling so the server sees a session cookie set since (a guest account). */
  refreshIdentity(): Promise<void> {
    return this.signal.reconnect();
  }

  async leave(options: { keepError?: boolean } = {}): Promise<void> {
    this.lastJoin = options.keepError ? this.lastJoin : undefined;
    // Left on purpose: a later join of the same room is a new arrival.
    if (!options.keepError) this.rejoinToken = undefined;
    if (this.signal.socket.connected) await this.signal.request('leave', {}).catch(() => {});
    this.teardownMedia();
    if (!options.keepError) this.update({ phase: 'left', peers: [], self: undefined });
  }

  /** Host only: add, change (instrument, volume) or remove an AI player; a refusal is shown in the AI panel. */
  async controlAi(
    request:
      | { add: { instrument: string; volume?: number } }
      | { change: { playerId: string; instrument?: string; volume?: number } }
      | { remove: { playerId: string } },
  ): Promise<void> {
    try {
      const ai =
        'add' in request
          ? await this.signal.request('addAiPlayer', request.add)
          : 'change' in request
            ? await this.signal.request('setAiPlayer', request.change)
            : await this.signal.request('removeAiPlayer', request.remove);
      this.update({ ai, aiError: undefined });
    } catch (err) {
      this.update({ aiError: (err as Error).message });
    }
  }

  /**
   * A host control, or the own microphone's pause/resume, over this page's socket. The server
   * rules on it; a refusal (not_host, host_muted, not_found…) becomes the notice and the result.
   */
  async control<N extends HostControlRequestName>(name: N, request: RequestOf<N>): Promise<ControlResult> {
    try {
      await this.signal.request(name, request);
      return { ok: true };
    } catch (err) {
      const e = err as Error & { code?: string };
      this.update({ notice: e.message });
      return { ok: false, code: e.code ?? 'internal', message: e.message };
    }
  }

  /** Pauses or resumes the own microphone for everyone (resuming is refused while host-muted). */
  async setMicPaused(paused: boolean): Promise<ControlResult> {
    const producer = this.micProducer;
    if (!producer) return { ok: false, code: 'not_found', message: 'this page is not sending' };
    const result = await this.control(paused ? 'pauseProducer' : 'resumeProducer', { producerId: producer.id });
    if (result.ok) {
      if (paused) producer.pause();
      else producer.resume();
      this.update({ micPaused: paused });
    }
    return result;
  }

  /** Once the host lets this listener play: opens the microphone and sends it. */
  async startPlaying(): Promise<void> {
    if (this.micProducer || this.current.self?.role !== 'musician' || !this.lastJoin) return;
    try {
      this.micTrack = this.lastJoin.track ?? (await openMicrophone(this.lastJoin.deviceId));
      await this.publishMicrophone(this.micTrack);
    } catch (err) {
      this.update({ notice: `Could not start playing: ${err instanceof Error ? err.message : String(err)}` });
    }
  }

  /**
   * What this page receives of a peer, as a track, once it is being consumed: on the browser's
   * path its received track, on ours the playout node's output (both before the fader).
   */
  remoteTrack(peerId: string): MediaStreamTrack | undefined {
    const consumer = this.consumerOf(peerId);
    if (!consumer) return undefined;
    return this.lowLatency ? this.graph?.track(peerId) : consumer.track;
  }

  /** The same as audio in the mixer's context (no hop through a track). */
  remoteNode(peerId: string): AudioNode | undefined {
    return this.consumerOf(peerId) ? this.graph?.input(peerId) : undefined;
  }

  /** Our playout buffer for a peer: automatic depth, or a fixed one in ms ("lower latency ↔ fewer dropouts"). */
  setPlayoutMode(peerId: string, mode: PlayoutMode): void {
    const ours = this.ourStream(peerId);
    if (ours) ours.receiver.setMode(ours.trackId, mode);
  }

  /** Our playout buffer's own figures for a peer (diagnostics, tests); undefined on the browser's path. */
  playoutStats(peerId: string): PlayoutStats | undefined {
    const ours = this.ourStream(peerId);
    return ours?.receiver.stats(ours.trackId);
  }

  /** Starts a trace of our playout buffer for a peer, or takes it (diagnostics: the latency bench). */
  playoutTrace(peerId: string, action: 'start' | 'take'): Promise<PlayoutTrace | undefined> {
    const ours = this.ourStream(peerId);
    return ours ? ours.receiver.trace(ours.trackId, action) : Promise.resolve(undefined);
  }

  playoutMode(peerId: string): PlayoutMode | undefined {
    const ours = this.ourStream(peerId);
    return ours?.receiver.mode(ours.trackId);
  }

  private consumerOf(peerId: string): types.Consumer | undefined {
    for (const c of this.consumers.values()) if (c.appData.peerId === peerId) return c;
    return undefined;
  }

  /** A peer's stream on our playout path: its receiver and track id (none on the browser's path). */
  private ourStream(peerId: string): { receiver: LowLatencyReceiver; trackId: string } | undefined {
    const consumer = this.consumerOf(peerId);
    if (!consumer || !this.lowLatency || this.lowLatency.passedOnReason(consumer.track.id)) return undefined;
    return { receiver: this.lowLatency, trackId: consumer.track.id };
  }

  private async choosePlayout(preference: PlayoutPreference): Promise<void> {
    this.lowLatency?.close();
    this.lowLatency = undefined;
    this.passedOnAll = undefined;
    // Why the browser's path plays although ours was asked for (none when the browser's was asked for).
    let reason: string | undefined;
    if (preference === 'low-latency') {
      if ((globalThis as { __bandmateReceiverTap?: unknown }).__bandmateReceiverTap) reason = 'a diagnostics tap holds the receivers';
      else if (!lowLatencySupported()) reason = 'this browser lacks encoded transforms, WebCodecs or AudioWorklet';
      else {
        try {
          this.lowLatency = await LowLatencyReceiver.create(this.graph!.context);
        } catch (err) {
          reason = `could not start: ${err instanceof Error ? err.message : String(err)}`;
        }
      }
    }
    this.update({ playout: { path: this.lowLatency ? 'low-latency' : 'browser', ...(reason ? { reason } : {}) } });
  }

  /** The browser's inbound-rtp and codec statistics of a peer's stream (diagnostics, tests). */
  async inboundRtp(peerId: string): Promise<{ inbound?: Record<string, unknown>; codec?: Record<string, unknown> }> {
    const consumer = this.consumerOf(peerId);
    if (!consumer) return {};
    const found = rtpStats(await consumer.getStats(), 'inbound-rtp');
    // Chromium reports the codec of an inbound stream only once its own decoder has run; on our
    // playout path it never does, so the codec is the one negotiated for this consumer.
    const negotiated = consumer.rtpParameters.codecs[0];
    const codec = found.codec ?? (negotiated && { ...negotiated, sdpFmtpLine: fmtpLine(negotiated.parameters), source: 'negotiated' });
    return { inbound: found.inbound, codec };
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
    this.update({ publishing: true, micPaused: false });
  }

  private async createTransport(direction: 'send' | 'recv'): Promise<types.Transport> {
    if (!this.device) throw new Error('device not loaded');
    const options = await this.signal.request('createWebRtcTransport', { direction });
    const params = options as unknown as types.TransportOptions;
    const transport =
      direction === 'send' ? this.device.createSendTransport(params) : this.device.createRecvTransport(params);
    keepIceAlive(
      transport,
      async (transportId) => (await this.signal.request('restartIce', { transportId })).iceParameters,
      () => (this.iceRestarts += 1),
    );
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
    if (this.passedOnAll) this.lowLatency?.passOn(consumer.track.id, this.passedOnAll);
    const node = this.lowLatency?.node(consumer.track.id);
    if (node) this.graph?.addNodeSource(reply.peerId, node);
    else {
      setLowestJitterTarget(consumer.rtpReceiver);
      this.graph?.addSource(reply.peerId, consumer.track, { monitor: true });
    }
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
      ...this.listenToHostControls(),
    ];
  }

  private listenToHostControls(): Array<() => void> {
    return [
      this.signal.on('hostChanged', ({ peerId }) => this.update({ hostId: peerId })),
      this.signal.on('lockChanged', ({ locked }) => this.update({ locked })),
      this.signal.on('peerUpdated', (info) => {
        if (info.id === this.current.self?.id) this.onSelfUpdated(info);
        else this.patchPeer(info.id, info);
      }),
      this.signal.on('mediaRestart', () => {
        // The room moved to another media process and ended this membership; everything else of
        // the room is kept, so this page joins again by itself, as after a dropped connection.
        const again = this.lastJoin;
        if (this.current.phase !== 'joined' || !again) return;
        this.teardownMedia();
        this.update({ phase: 'reconnecting', peers: [] });
        void this.rejoin(again);
      }),
      this.signal.on('removed', ({ reason }) => {
        // The server has ended the membership already: no reconnecting into this room.
        this.lastJoin = undefined;
        this.rejoinToken = undefined;
        this.teardownMedia();
        this.update({ phase: 'removed', error: reason, peers: [], self: undefined, publishing: false });
      }),
    ];
  }

  /** The host changed this player's role or mute: follow it with the media, and say so. */
  private onSelfUpdated(info: PeerInfo): void {
    const before = this.current.self;
    this.update({ self: { ...before, ...info }, notice: noticeForSelfChange(before, info) ?? this.current.notice });
    // A reconnect rejoins with the role the host gave, not the one first chosen.
    if (this.lastJoin) this.lastJoin = { ...this.lastJoin, role: info.role };
    if (before?.role === info.role) return;
    if (info.role === 'listener') this.stopPublishing();
    else if (this.resumeOnPlay) void this.startPlaying();
  }

  /** Listen-only: the server closed this page's stream and send transport; let go of ours. */
  private stopPublishing(): void {
    this.resumeOnPlay = !!this.micProducer;
    this.micProducer?.close();
    this.micProducer = undefined;
    this.sendTransport?.close();
    this.sendTransport = undefined;
    // A track handed in by the caller (file playback) is theirs to stop, and needed to play again.
    if (this.micTrack !== this.lastJoin?.track) this.micTrack?.stop();
    this.micTrack = undefined;
    this.graph?.removeSource('self');
    this.update({ publishing: false, micPaused: false });
  }

  private dropConsumer(consumerId: string): void {
    const consumer = this.consumers.get(consumerId);
    if (!consumer) return;
    consumer.close();
    this.consumers.delete(consumerId);
    this.lowLatency?.drop(consumer.track.id);
    const peerId = String(consumer.appData.peerId);
    this.graph?.removeSource(peerId);
    this.patchPeer(peerId, { producerId: undefined, stats: undefined });
  }

  private async pollStats(): Promise<void> {
    const outputMs = this.graph ? this.graph.outputLatencyMs() : null;
    for (const consumer of [...this.consumers.values()]) {
      const peerId = String(consumer.appData.peerId);
      let playout = this.lowLatency?.stats(consumer.track.id);
      const giveUp = playout && !this.keepPlayoutPath && fallbackReason(playout);
      if (giveUp) {
        this.toBrowserPath(giveUp);
        playout = undefined;
      }
      const passedOn = this.lowLatency?.passedOnReason(consumer.track.id);
      const path = this.lowLatency && !passedOn ? 'low-latency' : 'browser';
      const stats = await receiveStats(consumer, { path, playout, outputMs, passedOn }).catch(() => undefined);
      if (stats) this.patchPeer(peerId, { stats });
    }
  }

  /**
   * Moves every stream of this page from our path to the browser's, and those still to come (the
   * machine that starved one stream's worker starves them all; fallback.ts says when, tests call
   * it too): the browser decodes them from here on, and the mix takes their tracks at the same
   * strip settings. The line above the mixer says so; its switch (a reload) tries ours again.
   */
  toBrowserPath(reason: string): void {
    if (!this.lowLatency || this.passedOnAll) return;
    this.passedOnAll = reason;
    console.info(`[bandmate] every stream moves to the browser's playout path: ${reason}`);
    for (const consumer of this.consumers.values()) this.passOn(consumer, reason);
    this.update({ playout: { path: 'browser', reason: `ours gave way: ${reason}` } });
  }

  private passOn(consumer: types.Consumer, reason: string): void {
    const peerId = String(consumer.appData.peerId);
    if (!this.lowLatency || this.lowLatency.passedOnReason(consumer.track.id)) return;
    const settings = this.graph?.strip(peerId);
    this.lowLatency.passOn(consumer.track.id, reason);
    setLowestJitterTarget(consumer.rtpReceiver);
    this.graph?.addSource(peerId, consumer.track, { monitor: true });
    if (settings) this.graph?.setStrip(peerId, settings);
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
    this.lowLatency?.close();
    this.lowLatency = undefined;
    this.pendingProducers = [];
    this.sendTransport?.close();
    this.recvTransport?.close();
    this.sendTransport = this.recvTransport = undefined;
    this.micProducer = undefined;
    // A track handed in by the caller (file playback) is theirs to stop, and needed to join again.
    if (this.micTrack !== this.lastJoin?.track) this.micTrack?.stop();
    this.micTrack = undefined;
    this.metronome?.close();
    this.metronome = undefined;
    this.chat?.close();
    this.chat = undefined;
    this.recording?.close();
    this.recording = undefined;
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

function fmtpLine(parameters: Record<string, unknown> | undefined): string {
  return Object.entries(parameters ?? {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(';');
}

/**
 * Every new receiver of the recv transport, as the browser makes it (the peer connection's `track`
 * event: Chromium routes frames only to a transform set while the remote description is applied,
 * hence the reach into mediasoup-client's handler), goes to our playout path when it runs; else to
 * the diagnostics hook `__bandmateReceiverTap` when a page defines it (tests and measurements
 * attach an RTCRtpScriptTransform that sees encoded frames before the browser's jitter buffer).
 */
type ReceiverTap = (trackId: string, receiver: RTCRtpReceiver) => void;
function watchReceivers(transport: types.Transport, lowLatency: LowLatencyReceiver | undefined): void {
  const tap = (globalThis as { __bandmateReceiverTap?: ReceiverTap }).__bandmateReceiverTap;
  const pc = (transport.handler as unknown as { _pc?: RTCPeerConnection })._pc;
  if (!pc) return;
  if (lowLatency) pc.addEventListener('track', (e) => lowLatency.attach(e.track.id, e.receiver));
  else if (tap) pc.addEventListener('track', (e) => tap(e.track.id, e.receiver));
}

