// Placement's deadline (edge/edge-placement.ts): an edge node slow to take a listener is given up
// in time for the page's join to be served by the room's node, and when its answer comes after
// all, the listener it made there is let go. The edge here is a bare node-link endpoint (isolation:
// what is tested is the placing side's timing and clean-up, not the edge's media).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { Server } from 'socket.io';
import { EdgePlacement } from '../src/edge/edge-placement.ts';
import { createLogger } from '../src/logger.ts';
import { waitFor } from './wait-for.ts';

const http = createServer();
const io = new Server(http);
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
after(() => new Promise<void>((resolve) => io.close(() => resolve())));

/** How long the edge takes to answer edgeListen, and the listeners it holds. */
let answerAfterMs = 0;
/** The edge answers edgeListen as a node with SFU_EDGE_LISTENERS=false does. */
let refuse = false;
let next = 0;
const held = new Set<string>();
const released: string[] = [];
io.of('/nodes').on('connection', (socket) => {
  socket.on('edgeListen', (_request: unknown, ack: (reply: unknown) => void) => {
    const listenerId = `00000000-0000-4000-8000-${String(++next).padStart(12, '0')}`;
    if (refuse) return ack({ ok: false, error: { code: 'forbidden', message: 'this node serves no listeners of other nodes (SFU_EDGE_LISTENERS=false)' } });
    setTimeout(() => {
      held.add(listenerId);
      ack({ ok: true, data: { listenerId } });
    }, answerAfterMs);
  });
  socket.on('edgeUnlisten', ({ listenerId }: { listenerId: string }, ack: (reply: unknown) => void) => {
    held.delete(listenerId);
    released.push(listenerId);
    ack({ ok: true, data: {} });
  });
});

/** The edge's last heartbeat: the people it counted, and when. */
let heartbeat = { peers: 0, at: new Date(0) };
const placement = (listenTimeoutMs: number, margin = 2, avoidMs?: { failed: number; refusing: number }) =>
  new EdgePlacement({
    nodeId: 'home',
    nodeUrl: 'http://127.0.0.1:1',
    liveNodes: async () => [{ id: 'edge', url, peers: heartbeat.peers, heartbeatAt: heartbeat.at }],
    ownLoad: () => 10,
    margin,
    linkToken: () => 'token',
    logger: createLogger('silent'),
    listenTimeoutMs,
    avoidMs,
  });
const page = { emit: () => undefined };
const caps = { codecs: [], headerExtensions: [] };
test('an edge that answers in time takes the listener, and lets them go when they leave', async () => {
  const p = placement(1000);
  try {
    answerAfterMs = 50;
    const placed = await p.place('room-1', caps, page, () => undefined);
    assert.ok(placed, 'placed on the edge');
    assert.equal(held.size, 1);
    placed.close();
    await waitFor(() => held.size === 0, 2000, 'the edge let the listener go');
  } finally {
    p.close();
  }
});

test('an edge slower than the deadline: the listener is served here in time, and the late listener at the edge is let go', async () => {
  const p = placement(300);
  try {
    answerAfterMs = 900;
    const started = Date.now();
    const placed = await p.place('room-1', caps, page, () => undefined);
    const took = Date.now() - started;
    assert.equal(placed, null, 'served by the room’s node');
    assert.ok(took >= 300 && took < 800, `given up at the deadline, not at the edge's answer (${took} ms)`);
    // The edge's answer comes at 900 ms: what it made is let go, not left to hold the room's pipe.
    const lateId = `00000000-0000-4000-8000-${String(next).padStart(12, '0')}`;
    await waitFor(() => released.includes(lateId), 3000, 'the late listener released');
    assert.equal(held.size, 0);
    // The slow edge is passed over for a while: the next listener is served here without asking it.
    const asked = next;
    assert.equal(await p.place('room-1', caps, page, () => undefined), null);
    assert.equal(next, asked, 'the slow edge was not asked again');
  } finally {
    p.close();
  }
});

test('a listener placed before the edge’s heartbeat counts once: in the load it recorded', async () => {
  // Ten here, a margin of 9: the edge takes a listener while it carries at most one.
  const p = placement(1000, 9);
  try {
    answerAfterMs = 0;
    heartbeat = { peers: 0, at: new Date() };
    await new Promise((r) => setTimeout(r, 5));
    const first = await p.place('room-1', caps, page, () => undefined);
    assert.ok(first, 'the first listener placed');
    // The edge's next heartbeat counts them.
    await new Promise((r) => setTimeout(r, 5));
    heartbeat = { peers: 1, at: new Date() };
    const second = await p.place('room-1', caps, page, () => undefined);
    assert.ok(second, 'the edge carries one, not two: the second placed too');
    // Now it carries two (one recorded, one since): a third is served here.
    assert.equal(await p.place('room-1', caps, page, () => undefined), null);
    first.close();
    second.close();
  } finally {
    p.close();
    heartbeat = { peers: 0, at: new Date(0) };
  }
});

test('an edge set to take no listeners is passed over far longer than one that failed', async () => {
  const p = placement(200, 2, { failed: 100, refusing: 60_000 });
  try {
    // A timeout: asked again once the short avoidance is over.
    answerAfterMs = 400;
    assert.equal(await p.place('room-1', caps, page, () => undefined), null);
    await new Promise((r) => setTimeout(r, 150));
    answerAfterMs = 0;
    refuse = true;
    const beforeRefusal = next;
    assert.equal(await p.place('room-1', caps, page, () => undefined), null, 'refused: served here');
    assert.equal(next, beforeRefusal + 1, 'the failed edge was asked again after its 100 ms');
    // A refusal is a setting: not asked again soon.
    await new Promise((r) => setTimeout(r, 150));
    refuse = false;
    assert.equal(await p.place('room-1', caps, page, () => undefined), null);
    assert.equal(next, beforeRefusal + 1, 'the refusing edge was not asked again');
  } finally {
    refuse = false;
    p.close();
    await waitFor(() => held.size === 0, 2000).catch(() => undefined); // tidying up, not a check
  }
});
