import path from 'node:path';
import { ARTIFACTS, expect, test } from '../support/fixtures.ts';
import { createRoomViaApi, joinRoom, peerId } from '../support/room.ts';
import { writeBurstWav } from '../support/wav.ts';

const TF = Number(process.env.E2E_AI_TF ?? -0.1);
const K = Number(process.env.E2E_AI_K ?? 0.01);

/** Onset times of several received tracks on one sample clock (an AudioWorklet in the page). */
const ONSET_WORKLET = `
class Onsets extends AudioWorkletProcessor {
  constructor() { super(); this.env = []; this.quiet = []; this.armed = []; }
  process(inputs) {
    inputs.forEach((input, k) => {
      const x = input[0];
      if (!x) return;
      this.env[k] ??= 0; this.quiet[k] ??= 0; this.armed[k] ??= false;
      for (let i = 0; i < x.length; i++) {
        this.env[k] = Math.max(Math.abs(x[i]), this.env[k] * 0.995);
        this.quiet[k] = this.env[k] < 0.02 ? this.quiet[k] + 1 : 0;
        if (this.quiet[k] > 4800) this.armed[k] = true; // 100 ms of quiet before an onset counts
        if (this.armed[k] && this.env[k] > 0.1) {
          this.port.postMessage({ input: k, frame: currentFrame + i });
          this.armed[k] = false;
        }
      }
    });
    return true;
  }
}
registerProcessor('onsets', Onsets);
`;

test('the host switches the AI on: everyone receives its track, which plays the room back; off, it goes away', async ({ launch }) => {
  const roomId = await createRoomViaApi('AI jam');
  const ana = await launch({ wav: writeBurstWav(path.join(ARTIFACTS, 'ana-bursts.wav'), { hz: 440, burstMs: 60, periodMs: 500, phaseMs: 0 }) });
  const ben = await launch({ wav: writeBurstWav(path.join(ARTIFACTS, 'ben-bursts.wav'), { hz: 660, burstMs: 60, periodMs: 500, phaseMs: 250 }) });
  await joinRoom(ana.page, roomId, 'Ana');
  await joinRoom(ben.page, roomId, 'Ben');

  // Only the host (Ana, here first) has the controls.
  await expect(ben.page.getByRole('button', { name: 'Switch AI on' })).toHaveCount(0);
  await ana.page.getByRole('button', { name: 'Switch AI on' }).click();
  for (const p of [ana.page, ben.page]) await expect(p.getByTestId('ai-state')).toHaveAttribute('data-state', 'playing', { timeout: 30_000 });

  // Every participant receives the AI like another musician.
  const aiAtBen = await peerId(ben.page, 'AI · mirror');
  await peerId(ana.page, 'AI · mirror');

  const anaAtBen = await peerId(ben.page, 'Ana');
  // Each received stream sits in its own NetEQ buffer at this listener, whose delay adapts
  // with load: measure each one's mean delay over the same window as the onsets.
  const netEq = async (id: string) => {
    const { inbound } = await ben.page.evaluate((i) => window.__bandmate!.inboundRtp(i), id);
    return { delay: Number(inbound!.jitterBufferDelay), emitted: Number(inbound!.jitterBufferEmittedCount) };
  };
  const before = { ai: await netEq(aiAtBen), ana: await netEq(anaAtBen) };
  const onsets = await ben.page.evaluate(
    async ({ worklet, ids }) => {
      const ctx = new AudioContext({ sampleRate: 48000 });
      await ctx.audioWorklet.addModule(URL.createObjectURL(new Blob([worklet], { type: 'text/javascript' })));
      const node = new AudioWorkletNode(ctx, 'onsets', { numberOfInputs: ids.length, numberOfOutputs: 0 });
      ids.forEach((id, k) => ctx.createMediaStreamSource(new MediaStream([window.__bandmate!.remoteTrack(id)!])).connect(node, 0, k));
      const found: Array<{ input: number; frame: number }> = [];
      node.port.onmessage = (e) => found.push(e.data);
      await new Promise((r) => setTimeout(r, 6000));
      await ctx.close();
      return found;
    },
    { worklet: ONSET_WORKLET, ids: [anaAtBen, aiAtBen] },
  );
  const after = { ai: await netEq(aiAtBen), ana: await netEq(anaAtBen) };
  const windowDelay = (k: 'ai' | 'ana') => ((after[k].delay - before[k].delay) / (after[k].emitted - before[k].emitted)) * 1000;
  const jbDiff = windowDelay('ai') - windowDelay('ana');
  const ms = (f: number) => (f / 48000) * 1000;
  const musician = onsets.filter((o) => o.input === 0).map((o) => ms(o.frame));
  const offsets = onsets
    .filter((o) => o.input === 1)
    .map((o) => ms(o.frame))
    .map((t) => t - Math.max(...musician.filter((m) => m <= t)))
    .filter((d) => Number.isFinite(d));
  offsets.sort((a, b) => a - b);
  const median = offsets[Math.floor(offsets.length / 2)] ?? Number.NaN;
  // Ana's bursts reach the AI as part of the mix; the identity model plays them k − t_f later,
  // through one more Opus pass (6.5 ms).
  const expected = (K - TF) * 1000 + 6.5;
  console.log(
    `AI offset at Ben: median ${median.toFixed(1)} ms over ${offsets.length} onsets, ` +
      `NetEQ ${windowDelay('ai').toFixed(1)} vs ${windowDelay('ana').toFixed(1)} ms; corrected ${(median - jbDiff).toFixed(1)} ms, expected ${expected} ms`,
  );
  // The identity model plays the musicians' bursts back: the AI track has the same rhythm.
  expect(offsets.length).toBeGreaterThanOrEqual(5);
  const heardAtAna = await ana.page.evaluate(async (name) => {
    const s = window.__bandmate!;
    const id = s.state.peers.find((p) => p.displayName === name)!.id;
    let loudest = -Infinity;
    for (let i = 0; i < 20; i++) {
      const a = s.graph!.analyse(id)!;
      loudest = Math.max(loudest, a.left.rmsDb, a.right.rmsDb);
      await new Promise((r) => setTimeout(r, 50));
    }
    return loudest;
  }, 'AI · mirror');
  expect(heardAtAna).toBeGreaterThan(-30);
  // The offset itself is asserted without browsers (apps/sfu/test/ai-in-room.test.ts and
  // apps/inference/test/accompanist.test.ts): here each stream's own NetEQ delay, which
  // differs by hundreds of ms between streams on a loaded machine, dominates what a
  // listener observes. The figures are printed above for the record.

  // Switched off, the AI's track goes away for everyone.
  await ana.page.getByRole('button', { name: 'Switch AI off' }).click();
  for (const p of [ana.page, ben.page]) {
    await expect(p.getByTestId('ai-state')).toHaveAttribute('data-state', 'stopped');
    await expect(p.getByTestId('presence')).not.toContainText('AI · mirror');
  }
});
