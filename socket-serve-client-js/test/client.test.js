// Our client (src/socket-serve.js) against a live server: SOCKET_SERVE_URL=http://host:port/socket
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import { connect } from '../src/socket-serve.js';
import {
  CREDENTIAL_RE,
  PUBLIC_ID_RE,
  assertSeq,
  collector,
  controllableEventSource,
  once,
  recordingFetch,
  requireBase,
  uniq,
  waitUntil,
} from '../testlib/helpers.js';

const BASE = requireBase();
const sockets = new Set();

function open(options = {}) {
  const socket = connect(BASE, { EventSource, ...options });
  sockets.add(socket);
  return socket;
}

after(() => {
  for (const s of sockets) s.disconnect();
});

/** Every socket joins `channel:<channel>` and has seen its own userJoined. */
async function joinAll(channel, ...members) {
  for (const s of members) {
    const joined = once(s, 'userJoined', { filter: (d) => d?.username === s.id });
    s.emit('joinChannel', { channelName: channel });
    await joined;
  }
}

/** `from` sends a chat message; resolves once every socket in `to` has received it. */
async function chatRoundTrip(from, to, channel, text) {
  const seen = to.map((s) => once(s, 'newMessage', { filter: (m) => m?.text === text }));
  from.emit('sendMessage', { channel, message: text });
  return Promise.all(seen);
}

function credentialOf(rec) {
  const connectPost = rec.find('POST', '/connect').at(-1);
  return connectPost.done.then(() => connectPost.json.sessionId);
}

test('connect: public id, connected, connect event', async () => {
  const s = open();
  assert.equal(s.connected, false);
  await once(s, 'connect');
  assert.equal(s.connected, true);
  assert.equal(s.state, 'open');
  assert.equal(s.transport, 'sse');
  assert.match(s.id, PUBLIC_ID_RE);
});

test('emitWithAck: the ack comes in the POST response; credential only in the header', async () => {
  const rec = recordingFetch();
  const s = open({ fetch: rec.fetch });
  await once(s, 'connect');

  assert.deepEqual(await s.emitWithAck('echo', { a: 1 }), { echo: { a: 1 } });

  const [post] = rec.messagePosts();
  const credential = post.headers.get('X-Socket-Serve-Session');
  assert.match(credential, CREDENTIAL_RE);
  assert.ok(credential.startsWith(`${s.id}.`), 'credential is <public id>.<secret>');
  const body = JSON.parse(post.body);
  assert.equal(body.sessionId, undefined, 'credential must not be in the body');
  assert.equal(body.event, 'echo');
  assert.equal(body.requiresAck, true);
  assert.equal(body.ackInResponse, true);
  assert.equal(typeof body.messageId, 'string');
  await post.done;
  assert.equal(post.status, 200);
  assert.deepEqual(post.json.ack, { echo: { a: 1 } }, 'ackInResponse: the ack is in the response');

  const viaCallback = await new Promise((resolve) => s.emit('echo', 'x', resolve));
  assert.deepEqual(viaCallback, { echo: 'x' });
});

test('server → client ack answered with the handler return value', async () => {
  const s = open();
  await once(s, 'connect');
  s.on('question', () => ({ answer: 'forty-two' }));
  const answered = once(s, 'answered');
  s.emit('askMe', { question: 'meaning of life?' });
  assert.deepEqual((await answered).answer, { answer: 'forty-two' });
});

test('server → client ack answered through the ack callback', async () => {
  const s = open();
  await once(s, 'connect');
  s.on('question', (_question, ack) => {
    queueMicrotask(() => ack('later'));
  });
  const answered = once(s, 'answered');
  s.emit('askMe', { question: 'callback?' });
  assert.equal((await answered).answer, 'later');
});

test('room chat between two clients; from is the public id', async () => {
  const channel = uniq('chat');
  const a = open();
  const b = open();
  await Promise.all([once(a, 'connect'), once(b, 'connect')]);
  const anyEvents = [];
  b.onAny((event, data) => anyEvents.push({ event, data }));

  await joinAll(channel, a);
  const aSeesB = once(a, 'userJoined', { filter: (d) => d?.username === b.id });
  await joinAll(channel, b);
  await aSeesB;

  const [atA, atB] = await chatRoundTrip(a, [a, b], channel, 'hello room');
  for (const m of [atA, atB]) {
    assert.equal(m.from, a.id);
    assert.equal(m.text, 'hello room');
    assert.equal(typeof m.timestamp, 'number');
  }
  assert.ok(anyEvents.some((e) => e.event === 'newMessage' && e.data.text === 'hello room'), 'onAny sees events');

  const left = once(a, 'userLeft', { filter: (d) => d?.username === b.id });
  b.emit('leaveChannel', { channelName: channel });
  await left;
  // b left: it no longer receives the room's messages, a still does
  const bMessages = collector(b, 'newMessage');
  await chatRoundTrip(a, [a], channel, 'after leave');
  await chatRoundTrip(a, [a], channel, 'after leave 2');
  assert.equal(bMessages.items.length, 0);
});

test('resume after a dropped stream: messages sent meanwhile arrive once, in order, same session', async () => {
  const channel = uniq('resume');
  const ctl = controllableEventSource(EventSource);
  const a = open({ EventSource: ctl.EventSource });
  const b = open();
  await Promise.all([once(a, 'connect'), once(b, 'connect')]);
  await joinAll(channel, a, b);
  const idBefore = a.id;
  const seqA = collector(a, 'seq');
  const seqB = collector(b, 'seq');

  ctl.hold();
  const reconnecting = once(a, 'reconnecting');
  ctl.dropAll();
  await reconnecting;
  assert.equal(a.connected, false);

  b.emit('burst', { room: `channel:${channel}`, count: 30 });
  await seqB.waitFor(30);
  assert.equal(seqA.items.length, 0);

  const reconnected = once(a, 'reconnect');
  ctl.release();
  await reconnected;
  await seqA.waitFor(30);
  await chatRoundTrip(b, [a], channel, 'marker'); // anything late would have arrived by now
  assertSeq(seqA.items, 30);
  assert.equal(a.id, idBefore, 'same session');

  const first = new URL(ctl.urls[0]);
  const resumed = new URL(ctl.urls.at(-1));
  assert.equal(resumed.searchParams.get('sessionId'), first.searchParams.get('sessionId'), 'same credential');
  assert.match(resumed.searchParams.get('lastEventId') ?? '', /^\d+$/, 'resumed from a position');
});

test('resume after a drop in the middle of a burst: nothing lost or duplicated', async () => {
  const channel = uniq('midburst');
  const count = 300;
  const ctl = controllableEventSource(EventSource);
  const a = open({ EventSource: ctl.EventSource });
  const b = open();
  await Promise.all([once(a, 'connect'), once(b, 'connect')]);
  await joinAll(channel, a, b);
  const seqA = collector(a, 'seq');
  const seqB = collector(b, 'seq');
  let dropped = false;
  a.on('seq', (d) => {
    if (!dropped && seqA.items.length === 10) {
      dropped = true;
      ctl.hold();
      ctl.dropAll();
    }
  });
  const reconnecting = once(a, 'reconnecting');

  b.emit('burst', { room: `channel:${channel}`, count });
  await reconnecting;
  await seqB.waitFor(count, 10000);
  const reconnected = once(a, 'reconnect');
  ctl.release();
  await reconnected;
  await seqA.waitFor(count, 10000);
  await chatRoundTrip(b, [a], channel, 'marker');
  assert.ok(dropped);
  assertSeq(seqA.items, count);
});

test('polling transport: broadcasts, emits, acks; credential header, after and wait', async () => {
  const channel = uniq('poll');
  const rec = recordingFetch();
  const p = open({ transport: 'polling', fetch: rec.fetch });
  const s = open();
  await Promise.all([once(p, 'connect'), once(s, 'connect')]);
  assert.equal(p.transport, 'polling');
  await joinAll(channel, p, s);

  const [m] = await chatRoundTrip(s, [p], channel, 'to the poller');
  assert.equal(m.from, s.id);
  const [back] = await chatRoundTrip(p, [s], channel, 'from the poller');
  assert.equal(back.from, p.id);
  assert.deepEqual(await p.emitWithAck('echo', 7), { echo: 7 });

  const seqP = collector(p, 'seq');
  s.emit('burst', { room: `channel:${channel}`, count: 50 });
  await seqP.waitFor(50);
  await chatRoundTrip(s, [p], channel, 'marker');
  assertSeq(seqP.items, 50);

  const polls = rec.find('GET', '/sse');
  assert.ok(polls.length >= 2);
  for (const poll of polls) {
    const url = new URL(poll.url);
    assert.equal(url.searchParams.get('transport'), 'polling');
    assert.equal(url.searchParams.get('sessionId'), null, 'no credential in the URL');
    assert.match(poll.headers.get('X-Socket-Serve-Session'), CREDENTIAL_RE);
    assert.match(url.searchParams.get('after') ?? '', /^\d+$/);
    assert.equal(url.searchParams.get('wait'), '25000');
  }
});

test('emits before the session exists are queued and sent in order, one POST at a time', async () => {
  const rec = recordingFetch();
  const s = open({ fetch: rec.fetch });
  const acks = [1, 2, 3, 4, 5].map((i) => s.emitWithAck('echo', i));
  assert.equal(s.connected, false);
  assert.deepEqual(
    await Promise.all(acks),
    [1, 2, 3, 4, 5].map((i) => ({ echo: i })),
  );
  assert.deepEqual(
    rec.messagePosts().map((e) => JSON.parse(e.body).data),
    [1, 2, 3, 4, 5],
  );
  assert.equal(rec.maxMessagePostsInFlight, 1);
});

test('emits while reconnecting are queued, then flushed in order after the resume', async () => {
  const channel = uniq('queue');
  const ctl = controllableEventSource(EventSource);
  const rec = recordingFetch();
  const a = open({ EventSource: ctl.EventSource, fetch: rec.fetch });
  const b = open();
  await Promise.all([once(a, 'connect'), once(b, 'connect')]);
  await joinAll(channel, a, b);
  const atB = collector(b, 'newMessage', (m) => m?.from === a.id);

  ctl.hold();
  const reconnecting = once(a, 'reconnecting');
  ctl.dropAll();
  await reconnecting;
  const postsBefore = rec.messagePosts().length;
  for (const text of ['q1', 'q2', 'q3']) a.emit('sendMessage', { channel, message: text });
  const acked = a.emitWithAck('echo', 'queued');
  assert.equal(rec.messagePosts().length, postsBefore, 'nothing is sent while disconnected');

  const reconnected = once(a, 'reconnect');
  ctl.release();
  await reconnected;
  await atB.waitFor(3);
  assert.deepEqual(atB.items.map((m) => m.text), ['q1', 'q2', 'q3']);
  assert.deepEqual(await acked, { echo: 'queued' });
  assert.equal(rec.maxMessagePostsInFlight, 1);
});

test('queue bound: over maxQueue an emit fails with a clear error, the rest are sent', async () => {
  const ctl = controllableEventSource(EventSource);
  ctl.hold(); // the stream cannot open: the socket stays "connecting"
  const s = open({ EventSource: ctl.EventSource, maxQueue: 2 });
  const first = s.emitWithAck('echo', 1);
  const second = s.emitWithAck('echo', 2);
  await assert.rejects(s.emitWithAck('echo', 3), (err) => err.code === 'queue_full' && /maxQueue/.test(err.message));
  assert.throws(() => s.emit('echo', 4), (err) => err.code === 'queue_full');
  const viaCallback = await new Promise((resolve) => s.emit('echo', 5, resolve));
  assert.ok(viaCallback instanceof Error);
  assert.equal(viaCallback.code, 'queue_full');

  const connected = once(s, 'connect');
  ctl.release();
  await connected;
  assert.deepEqual(await Promise.all([first, second]), [{ echo: 1 }, { echo: 2 }]);
});

test('disconnect(): disconnect event, acks fail, the server forgets the session', async () => {
  const rec = recordingFetch();
  const s = open({ fetch: rec.fetch });
  await once(s, 'connect');
  const credential = await credentialOf(rec);

  const disconnected = once(s, 'disconnect');
  s.disconnect();
  assert.equal(await disconnected, 'io client disconnect');
  assert.equal(s.connected, false);
  assert.equal(s.state, 'closed');
  await assert.rejects(s.emitWithAck('echo', 1), (err) => err.code === 'disconnected');

  await waitUntil(() => rec.find('POST', '/disconnect')[0]?.status !== undefined, { label: 'POST /disconnect answered' });
  const post = rec.find('POST', '/disconnect')[0];
  assert.equal(post.status, 200);
  assert.equal(post.headers.get('X-Socket-Serve-Session'), credential);

  const res = await fetch(`${BASE}/sse?transport=polling`, { headers: { 'X-Socket-Serve-Session': credential } });
  assert.equal(res.status, 404);
  assert.equal((await res.json()).error, 'unknown_session');
});

test('unknown session on resume: disconnect(reason), then a new session', async () => {
  const ctl = controllableEventSource(EventSource);
  const rec = recordingFetch();
  const s = open({ EventSource: ctl.EventSource, fetch: rec.fetch });
  await once(s, 'connect');
  const oldId = s.id;
  const credential = await credentialOf(rec);

  ctl.hold();
  const reconnecting = once(s, 'reconnecting');
  ctl.dropAll();
  await reconnecting;
  // the session ends behind the client's back
  const killed = await fetch(`${BASE}/disconnect`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Socket-Serve-Session': credential },
    body: '{}',
  });
  assert.equal(killed.status, 200);

  const disconnected = once(s, 'disconnect');
  const reconnectedAnew = once(s, 'connect', { timeout: 10000 });
  ctl.release();
  assert.equal(await disconnected, 'unknown_session');
  await reconnectedAnew;
  assert.notEqual(s.id, oldId);
  assert.equal(s.connected, true);
  assert.deepEqual(await s.emitWithAck('echo', 'again'), { echo: 'again' });
});

test('falls back to polling when the event stream fails to open twice', async () => {
  const channel = uniq('fallback');
  const ctl = controllableEventSource(EventSource);
  ctl.failOpen = true;
  const s = open({ EventSource: ctl.EventSource });
  await once(s, 'connect', { timeout: 10000 });
  assert.equal(s.transport, 'polling');
  assert.equal(ctl.urls.length, 2);
  assert.deepEqual(await s.emitWithAck('echo', 'polled'), { echo: 'polled' });
  await joinAll(channel, s);
});

test('a message the server rejects: emitWithAck rejects, an emit without ack fires send_error', async () => {
  const s = open();
  await once(s, 'connect');
  // The demo's joinChannel requires channelName. The rejection reaches the ack either through the
  // 400 response or through an `__ack` frame carrying `error` (whichever the client sees first).
  await assert.rejects(
    s.emitWithAck('joinChannel', {}),
    (err) => err.name === 'SocketServeError' && /^[a-z_]+$/.test(err.code) && err.code !== 'ack_timeout',
  );
  const failed = once(s, 'send_error');
  s.emit('joinChannel', {});
  const err = await failed;
  assert.equal(err.status, 400);
  assert.deepEqual(await s.emitWithAck('echo', 'still fine'), { echo: 'still fine' });
});

test('binary payloads: Uint8Array values travel both ways intact', async (t) => {
  const socket = connect(process.env.SOCKET_SERVE_URL, { EventSource });
  t.after(() => socket.disconnect());
  const bytes = new Uint8Array(1024);
  for (let i = 0; i < bytes.length; i++) bytes[i] = i % 256;
  const reply = await socket.emitWithAck('echo', { file: bytes, name: 'all-bytes.bin' });
  const back = reply.echo.file;
  if (!(back instanceof Uint8Array)) throw new Error(`expected a Uint8Array, got ${Object.prototype.toString.call(back)}`);
  if (back.length !== bytes.length || back.some((b, i) => b !== bytes[i])) throw new Error('bytes changed on the way');
  if (reply.echo.name !== 'all-bytes.bin') throw new Error('other fields changed');
});

test('ping(): measures a round trip to the server', async (t) => {
  const socket = connect(process.env.SOCKET_SERVE_URL, { EventSource });
  t.after(() => socket.disconnect());
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  const rtt = await socket.ping();
  if (typeof rtt !== 'number' || !(rtt >= 0) || rtt > 5000) throw new Error(`unexpected round trip ${rtt}`);
});

test('a proxy that buffers event streams is detected and the client falls back to polling', async (t) => {
  const http = await import('node:http');
  const target = new URL(process.env.SOCKET_SERVE_URL);
  // Forwards everything, except that event streams are held back entirely (as a buffering proxy does).
  const held = new Set();
  const proxy = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://proxy');
    if (url.pathname.endsWith('/sse') && url.searchParams.get('transport') !== 'polling') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      held.add(res);
      req.on('close', () => held.delete(res));
      return;
    }
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const r of held) r.destroy();
    proxy.close();
  });
  const base = `http://127.0.0.1:${proxy.address().port}${target.pathname}`;
  const socket = connect(base, { EventSource, openTimeout: 300, reconnectDelay: 50, reconnectDelayMax: 100 });
  t.after(() => socket.disconnect());
  const reply = await socket.emitWithAck('echo', { via: 'proxy' });
  assert.deepEqual(reply, { echo: { via: 'proxy' } });
  await waitUntil(() => socket.transport === 'polling', { timeout: 10000, label: 'fallback to polling' });
  socket.on('question', (data) => ({ a: data.q }));
  const answered = once(socket, 'answered', { timeout: 10000 });
  socket.emit('askMe', { q: 1 });
  assert.deepEqual(await answered, { answer: { a: 1 } });
});

test('presence: one entry per user, join/update/leave events, the list in the ack', async () => {
  const channel = uniq('presence');
  const watcher = open();
  const ann1 = open();
  const ann2 = open();
  await Promise.all([once(watcher, 'connect'), once(ann1, 'connect'), once(ann2, 'connect')]);
  const events = collector(watcher, 'presence');
  await watcher.emitWithAck('joinChannel', { channelName: channel, username: 'watcher' });

  const first = await ann1.emitWithAck('joinChannel', { channelName: channel, username: 'ann' });
  assert.deepEqual(first.presence.map((p) => p.userId).sort(), ['ann', 'watcher']);
  await ann2.emitWithAck('joinChannel', { channelName: channel, username: 'ann' }); // a second tab
  await ann2.emitWithAck('setStatus', { channelName: channel, status: 'away' });
  await waitUntil(() => events.items.some((e) => e.type === 'update' && e.user === 'ann'));
  const annJoins = events.items.filter((e) => e.type === 'join' && e.user === 'ann');
  assert.equal(annJoins.length, 1, 'two sessions of one user join once');
  assert.equal(events.items.find((e) => e.type === 'update').state.status, 'away');

  ann1.disconnect();
  await chatRoundTrip(ann2, [watcher], channel, 'after-first-tab'); // a later log entry
  assert.equal(events.items.filter((e) => e.type === 'leave').length, 0, 'ann still has a tab open');
  ann2.emit('leaveChannel', { channelName: channel });
  await waitUntil(() => events.items.some((e) => e.type === 'leave' && e.user === 'ann'));
});

test('volatile cursors: delivered live without a position, never replayed after a resume', async () => {
  const doc = uniq('doc');
  const ctl = controllableEventSource(EventSource);
  const viewer = open({ EventSource: ctl.EventSource });
  const mover = open();
  await Promise.all([once(viewer, 'connect'), once(mover, 'connect')]);
  await viewer.emitWithAck('openDocument', { docId: doc, username: 'viewer' });
  await mover.emitWithAck('openDocument', { docId: doc, username: 'mover' });
  const cursors = collector(viewer, 'cursorMoved');
  const edits = collector(viewer, 'documentChanged');

  mover.emit('cursor', { docId: doc, position: { line: 1, ch: 1 } });
  await cursors.waitFor(1);
  assert.equal(cursors.items[0].userId, mover.id);

  ctl.hold();
  const reconnecting = once(viewer, 'reconnecting');
  ctl.dropAll();
  await reconnecting;
  const moverEdits = collector(mover, 'documentChanged');
  mover.emit('cursor', { docId: doc, position: { line: 2, ch: 2 } }); // while away: dropped
  mover.emit('edit', { docId: doc, changes: ['kept'] }); // logged: replayed (emits are sent in order)
  await moverEdits.waitFor(1); // the edit is in the log, so the cursor before it has been handled
  const reconnected = once(viewer, 'reconnect');
  ctl.release();
  await reconnected;
  await edits.waitFor(1);
  mover.emit('cursor', { docId: doc, position: { line: 3, ch: 3 } });
  await waitUntil(() => cursors.items.length >= 2);
  assert.deepEqual(
    cursors.items.map((c) => c.position.line),
    [1, 3],
    'the cursor sent while the viewer was away is not replayed',
  );
});

test('exactly-once events: answers lost on the way back are retried with the same seq, every handler runs once', async () => {
  // Every tenth POST /message reaches the server, but its answer is dropped like a broken
  // connection: the client cannot know whether the event ran, so it retries it.
  let posts = 0;
  let dropped = 0;
  const seqs = [];
  const droppingFetch = async (url, init = {}) => {
    const res = await fetch(url, init);
    if ((init.method ?? 'GET') === 'POST' && new URL(String(url)).pathname.endsWith('/message')) {
      const body = JSON.parse(init.body);
      if (body.event === 'countRun') seqs.push(body.seq);
      if (body.event === 'countRun' && ++posts % 10 === 3) {
        dropped++;
        await res.arrayBuffer().catch(() => {});
        throw new TypeError('fetch failed: the answer was dropped by the test');
      }
    }
    return res;
  };
  const s = open({ fetch: droppingFetch, reconnectDelay: 5, reconnectDelayMax: 20, ackTimeout: 30000 });
  await once(s, 'connect');
  const tag = uniq('once');
  for (let i = 0; i < 200; i++) s.emit('countRun', { tag, i });
  const runs = await s.emitWithAck('countRuns', { tag });
  assert.ok(dropped >= 20, `answers dropped: ${dropped}`);
  assert.equal(Object.keys(runs).length, 200);
  for (let i = 0; i < 200; i++) assert.equal(runs[String(i)], 1, `event ${i} ran ${runs[String(i)]} times`);
  // each retry (a dropped answer, or a 429 from the rate limit) repeated its event's seq; the seqs
  // of the session's events are 1, 2, 3, …
  assert.ok(seqs.length >= 200 + dropped, `${seqs.length} posts`);
  assert.deepEqual([...new Set(seqs)], Array.from({ length: 200 }, (_, i) => i + 1));
});
