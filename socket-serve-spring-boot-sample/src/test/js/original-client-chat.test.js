// The ORIGINAL npm client socket-serve@0.6.0 (`socket-serve/client`) chatting through the Spring
// Boot sample: SOCKET_SERVE_URL=http://host:port/socket. Only the chat's events (the sample has no
// `echo`, so ../../../../socket-serve-client-js/test/original-client.test.js does not apply as is).
// OriginalClientIT runs this file from a directory whose node_modules is socket-serve-client-js's.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import { connect } from 'socket-serve/client';

const BASE = (process.env.SOCKET_SERVE_URL ?? '').replace(/\/+$/, '');
if (!BASE) throw new Error('SOCKET_SERVE_URL is not set');
globalThis.EventSource = EventSource; // the original client needs a global EventSource in Node.js

const sockets = new Set();
after(() => {
  for (const s of sockets) s.disconnect();
});

function open(options) {
  const socket = connect(BASE, options);
  sockets.add(socket);
  return socket;
}

/** The original client's `id` is the credential; the public id is the part before the dot. */
const publicId = (socket) => socket.id.split('.')[0];
const uniq = (prefix) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

function once(emitter, event, { timeout = 10000, filter = () => true } = {}) {
  return new Promise((resolve, reject) => {
    const handler = (data) => {
      if (!filter(data)) return;
      clearTimeout(timer);
      emitter.off(event, handler);
      resolve(data);
    };
    const timer = setTimeout(() => {
      emitter.off(event, handler);
      reject(new Error(`timed out after ${timeout} ms waiting for "${event}"`));
    }, timeout);
    emitter.on(event, handler);
  });
}

async function waitUntil(condition, label, timeout = 10000) {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function openSse() {
  const s = open();
  await once(s, 'connected'); // the original dispatches the SSE hello frame
  return s;
}

async function openPolling() {
  const s = open({ transport: 'polling' });
  await waitUntil(() => s.connected && s.id !== '', 'polling client connected');
  return s;
}

async function join(socket, channel, observers = []) {
  const seen = [socket, ...observers].map((o) =>
    once(o, 'userJoined', { filter: (d) => d?.username === publicId(socket) }),
  );
  socket.emit('joinChannel', { channelName: channel });
  await Promise.all(seen);
}

test('original clients join, chat and leave through the sample', async () => {
  const channel = uniq('orig-chat');
  const a = await openSse();
  const b = await openSse();
  await join(a, channel);
  await join(b, channel, [a]);

  const got = [a, b].map((s) => once(s, 'newMessage', { filter: (m) => m?.text === 'hi from a' }));
  a.emit('sendMessage', { channel, message: 'hi from a' });
  for (const m of await Promise.all(got)) {
    assert.equal(m.from, publicId(a));
    assert.notEqual(m.from, a.id, 'never the credential');
    assert.equal(typeof m.timestamp, 'number');
  }

  const left = once(a, 'userLeft', { filter: (d) => d?.username === publicId(b) });
  b.emit('leaveChannel', { channelName: channel });
  await left;
});

test('original client ack: sendMessage with a callback gets {ok: true}', async () => {
  const channel = uniq('orig-ack');
  const s = await openSse();
  await join(s, channel);
  const reply = await new Promise((resolve) => s.emit('sendMessage', { channel, message: 'acked' }, resolve));
  assert.ok(!(reply instanceof Error), `ack failed: ${reply?.message}`);
  assert.deepEqual(reply, { ok: true });
});

test('original client over polling chats with an SSE client', async () => {
  const channel = uniq('orig-poll');
  const p = await openPolling();
  const s = await openSse();
  await join(p, channel);
  await join(s, channel, [p]);

  const toPoller = once(p, 'newMessage', { filter: (m) => m?.text === 'to the poller' });
  s.emit('sendMessage', { channel, message: 'to the poller' });
  assert.equal((await toPoller).from, publicId(s));

  const fromPoller = once(s, 'newMessage', { filter: (m) => m?.text === 'from the poller' });
  p.emit('sendMessage', { channel, message: 'from the poller' });
  assert.equal((await fromPoller).from, publicId(p));

  const left = once(p, 'userLeft', { filter: (d) => d?.username === publicId(s) });
  s.emit('leaveChannel', { channelName: channel });
  await left;
});
