/**
 * The worker of our playout path. Each received stream's RTCRtpScriptTransform runs here: its
 * encoded Opus frames are taken before the browser's jitter buffer (and not passed on, so the
 * browser's own path stays silent, until the page gives the stream back to it), decoded with WebCodecs, and posted with their RTP timestamp
 * to the stream's AudioWorklet node over a MessagePort of their own (no hop through the page).
 *
 * This function is the worker's whole source: it is turned into text and never called in the
 * page, so it must not use anything from outside itself.
 */
export function runDecoderWorker(): void {
  type Options = { trackId: string; port: MessagePort; sampleRate: number; channels: number };
  type TransformEvent = Event & {
    transformer: { readable: ReadableStream<EncodedFrame>; writable: WritableStream<EncodedFrame>; options: Options };
  };
  type EncodedFrame = { data: ArrayBuffer; timestamp: number; getMetadata(): { rtpTimestamp?: number } };
  const scope = self as unknown as { onrtctransform: ((e: TransformEvent) => void) | null; onmessage: ((e: MessageEvent) => void) | null };
  // The page gave this stream to the browser's path: frames are passed on, no longer decoded here.
  let passOn = false;
  scope.onmessage = (e) => {
    if ((e.data as { type?: string } | null)?.type === 'pass-on') passOn = true;
  };

  scope.onrtctransform = (event) => {
    const { port, sampleRate, channels } = event.transformer.options;
    const rtpOfChunk = new Map<number, number>();
    // How late frames reach this worker and leave its decoder, each against the least delay of its
    // last 1000 (diagnostics: jitter from before our pipeline, and what the decoder adds to it).
    const lateness = () => {
      const transits: number[] = [];
      let result: { p99: number; max: number } | undefined;
      return {
        add(mediaMs: number): { p99: number; max: number } | undefined {
          transits.push(performance.now() - mediaMs);
          if (transits.length < 1000) return undefined;
          const least = Math.min(...transits);
          const late = transits.map((t) => t - least).sort((a, b) => a - b);
          transits.length = 0;
          result = { p99: late[989]!, max: late[999]! };
          return result;
        },
        get last() {
          return result;
        },
      };
    };
    const arrival = lateness();
    const decoded = lateness();
    let chunk = 0;
    let failed = false;
    const decoder = new AudioDecoder({
      output(data) {
        // The decoder may recompute an output's timestamp from its sample count (a few µs off):
        // the chunk it came from is the nearest 10 ms step.
        const index = Math.round(data.timestamp / 10_000);
        const rtp = rtpOfChunk.get(index);
        rtpOfChunk.delete(index);
        const planes: Float32Array[] = [];
        for (let c = 0; c < data.numberOfChannels; c++) {
          const plane = new Float32Array(data.numberOfFrames);
          data.copyTo(plane, { planeIndex: c, format: 'f32-planar' });
          planes.push(plane);
        }
        data.close();
        if (rtp !== undefined && decoded.add(unwrap(rtp) / RTP_PER_MS) && arrival.last) {
          port.postMessage({ type: 'upstream', p99: arrival.last.p99, max: arrival.last.max, decodedP99: decoded.last!.p99, decodedMax: decoded.last!.max });
        }
        if (rtp !== undefined) port.postMessage({ type: 'frame', rtp, planes }, planes.map((p) => p.buffer));
      },
      error(err) {
        failed = true;
        port.postMessage({ type: 'error', message: String(err) });
      },
    });
    decoder.configure({ codec: 'opus', sampleRate, numberOfChannels: channels });
    const reader = event.transformer.readable.getReader();
    const writer = event.transformer.writable.getWriter();
    // Opus's RTP clock is 48 kHz whatever it is decoded to.
    const RTP_PER_MS = 48;
    let first: number | undefined;
    let last = 0;
    // RTP time since the stream's first frame, across the 32-bit wrap (near the newest one seen).
    const unwrap = (rtp: number): number => {
      first ??= rtp;
      const unwrapped = rtp - first;
      return unwrapped + Math.round((last - unwrapped) / 2 ** 32) * 2 ** 32;
    };
    void (async () => {
      for (;;) {
        const { value: frame, done } = await reader.read();
        if (done) return;
        if (passOn) {
          if (decoder.state !== 'closed') decoder.close();
          await writer.write(frame);
          continue;
        }
        if (failed) return;
        const rtp = frame.getMetadata().rtpTimestamp ?? frame.timestamp;
        last = unwrap(rtp);
        arrival.add(last / RTP_PER_MS);
        // Timestamps of chunks are ours (10 ms steps of a running count): they only pair outputs with RTP times.
        const index = chunk++;
        rtpOfChunk.set(index, rtp);
        if (rtpOfChunk.size > 200) rtpOfChunk.delete(rtpOfChunk.keys().next().value!);
        decoder.decode(new EncodedAudioChunk({ type: 'key', timestamp: index * 10_000, data: frame.data }));
      }
    })().catch((err: unknown) => port.postMessage({ type: 'error', message: String(err) }));
  };
}
