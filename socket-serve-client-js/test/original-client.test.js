// The ORIGINAL npm client socket-serve@0.6.0 (`socket-serve/client`) against a live server:
// SOCKET_SERVE_URL=http://host:port/socket. See ORIGINAL-CLIENT-NOTES.md for what it sends.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import { connect } from 'socket-serve/client';
import { CREDENTIAL_RE, PUBLIC_ID_RE, once, requireBase, uniq, waitUntil } from '../testlib/helpers.js';

const BASE = requireBase();

// The original client needs a global EventSource in Node.js. This one also records every raw
// frame, so the tests can check what other clients get to see.
const rawFrames = [];
globalThis.EventSource = class RecordingEventSource extends EventSource {
  constructor(url, init) {
    super(url, init);
    this.addEventListener('message', (ev) => rawFrames.push({ url: String(url), data: ev.data, id: ev.lastEventId }));
  }
};

const sockets = new Set();
function open(options) {
  const socket = connect(BASE, options);
  sockets.add(socket);
  return socket;
}

after(() => {
  for (const s of sockets) s.disconnect();
});

/** The original client's `id` is the credential; the public id is the part before the dot. */
function publicId(socket) {
  return socket.id.split('.')[0];
}
function secretOf(socket) {
  return socket.id.split('.')[1];
}

async function openSse() {
  const s = open();
  const connected = await once(s, 'connected'); // the original dispatches the SSE hello frame
  return { s, connected };
}

async function openPolling() {
  const s = open({ transport: 'polling' });
  // the original offers no event for this: it sets `connected` once POST /connect answered
  await waitUntil(() => s.connected && s.id !== '', { label: 'polling client connected' });
  return s;
}

async function join(socket, channel, observers = []) {
  const seen = [socket, ...observers].map((o) =>
    once(o, 'userJoined', { filter: (d) => d?.username === publicId(socket) }),
  );
  socket.emit('joinChannel', { channelName: channel });
  await Promise.all(seen);
}

test('original client connects over SSE; its id is the credential', async () => {
  const { s, connected } = await openSse();
  assert.equal(s.connected, true);
  assert.match(s.id, CREDENTIAL_RE);
  assert.equal(connected?.id, publicId(s), 'connected frame carries the public id');
  assert.match(publicId(s), PUBLIC_ID_RE);
});

test('original clients chat in a room; frames show the public id, never the credential', async () => {
  const channel = uniq('orig-chat');
  const { s: a } = await openSse();
  const { s: b } = await openSse();
  await join(a, channel);
  await join(b, channel, [a]);

  const got = [a, b].map((s) => once(s, 'newMessage', { filter: (m) => m?.text === 'hi from a' }));
  a.emit('sendMessage', { channel, message: 'hi from a' });
  for (const m of await Promise.all(got)) {
    assert.equal(m.from, publicId(a));
    assert.notEqual(m.from, a.id);
    assert.equal(typeof m.timestamp, 'number');
  }

  const bFrames = rawFrames.filter((f) => f.url.includes(encodeURIComponent(b.id)) || f.url.includes(b.id));
  assert.ok(bFrames.length > 0);
  for (const f of bFrames) assert.ok(!f.data.includes(secretOf(a)), `a's secret leaked to b: ${f.data}`);
  const raw = bFrames.map((f) => ({ ...f, frame: JSON.parse(f.data) })).find((f) => f.frame.data?.text === 'hi from a');
  assert.equal(raw.frame.event, 'newMessage');
  assert.equal(raw.frame.sessionId, publicId(a), 'frame sessionId is the sender public id');
  assert.equal(typeof raw.frame.timestamp, 'number');
  assert.match(raw.id, /^\d+$/, 'v1: message frames carry an id: position');

  const left = once(a, 'userLeft', { filter: (d) => d?.username === publicId(b) });
  b.emit('leaveChannel', { channelName: channel });
  await left;
});

test('original client ack: emit with a callback gets {echo: data}', async () => {
  const { s } = await openSse();
  const reply = await new Promise((resolve) => s.emit('echo', { hello: 'world' }, resolve));
  assert.ok(!(reply instanceof Error), `ack failed: ${reply?.message}`);
  assert.deepEqual(reply, { echo: { hello: 'world' } });
});

test('original client over polling receives room broadcasts and acks', async () => {
  const channel = uniq('orig-poll');
  const p = await openPolling();
  const { s } = await openSse();
  await join(p, channel);
  await join(s, channel, [p]);

  const toPoller = once(p, 'newMessage', { filter: (m) => m?.text === 'to the poller' });
  s.emit('sendMessage', { channel, message: 'to the poller' });
  assert.equal((await toPoller).from, publicId(s));

  const fromPoller = once(s, 'newMessage', { filter: (m) => m?.text === 'from the poller' });
  p.emit('sendMessage', { channel, message: 'from the poller' });
  assert.equal((await fromPoller).from, publicId(p));

  const reply = await new Promise((resolve) => p.emit('echo', 42, resolve));
  assert.deepEqual(reply, { echo: 42 });
});
