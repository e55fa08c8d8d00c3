// Graceful shutdown (issue 13, finding 8): the client gets `__reconnect` as its stream's last frame,
// reconnects AT ONCE (no backoff) through a load balancer to the other instance, resumes from its
// position, and loses no message across the shutdown.
//
// Needs two instances on one shared backend: SOCKET_SERVE_UPSTREAMS=http://127.0.0.1:A,http://127.0.0.1:B
// (A is the one drained: the event `drainThisInstance`, sent to A directly, drains it).
// Run by socket-serve-demo's JsClientShutdownIT.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { EventSource } from 'eventsource';
import { connect } from '../src/socket-serve.js';
import { once, uniq, waitUntil } from '../testlib/helpers.js';

const UPSTREAMS = (process.env.SOCKET_SERVE_UPSTREAMS ?? '').split(',').filter(Boolean).map((u) => new URL(u));

/**
 * A TCP load balancer as a reverse proxy does it: each new connection goes to the first upstream
 * that accepts it (A while it listens, then B).
 */
function loadBalancer() {
  const server = net.createServer((client) => {
    client.pause();
    const tryUpstream = (i) => {
      if (i >= UPSTREAMS.length) {
        client.destroy();
        return;
      }
      const up = net.connect(Number(UPSTREAMS[i].port), UPSTREAMS[i].hostname);
      up.once('error', () => tryUpstream(i + 1));
      up.once('connect', () => {
        up.removeAllListeners('error');
        up.on('error', () => client.destroy());
        client.on('error', () => up.destroy());
        client.pipe(up);
        up.pipe(client);
        client.resume();
      });
    };
    tryUpstream(0);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const sockets = new Set();
let lb;
after(() => {
  for (const s of sockets) s.disconnect();
  lb?.close();
});

test('on __reconnect the client reconnects at once to another instance and loses nothing', { timeout: 30000 }, async () => {
  assert.equal(UPSTREAMS.length, 2, 'SOCKET_SERVE_UPSTREAMS must name two instances');
  lb = await loadBalancer();
  const base = `http://127.0.0.1:${lb.address().port}/socket`;
  const channel = uniq('shutdown');

  const receiver = connect(base, { EventSource });
  const sender = connect(base, { EventSource });
  sockets.add(receiver);
  sockets.add(sender);
  await Promise.all([once(receiver, 'connect'), once(sender, 'connect')]);
  await receiver.emitWithAck('joinChannel', { channelName: channel });

  const got = [];
  const missed = [];
  const timeline = [];
  receiver.on('newMessage', (m) => got.push(Number(m.text)));
  receiver.on('missed', (d) => missed.push(d));
  receiver.on('reconnecting', (attempt, delay) => timeline.push({ what: 'reconnecting', at: Date.now(), attempt, delay }));
  receiver.on('reconnect', () => timeline.push({ what: 'reconnect', at: Date.now() }));
  receiver.on('disconnect', (reason) => timeline.push({ what: 'disconnect', at: Date.now(), reason }));

  const TOTAL = 60;
  const DRAIN_AT = 20;
  for (let n = 0; n < TOTAL; n++) {
    if (n === DRAIN_AT) {
      // Straight to A (not through the balancer): A drains itself.
      const a = connect(UPSTREAMS[0].href.replace(/\/$/, '') + '/socket', { EventSource, transport: 'polling' });
      sockets.add(a);
      await once(a, 'connect');
      await a.emitWithAck('drainThisInstance', {});
      a.disconnect();
    }
    await sender.emitWithAck('sendMessage', { channel, message: String(n) });
  }

  await waitUntil(() => got.length >= TOTAL, { timeout: 15000, label: `all ${TOTAL} messages (got ${got.length})` });
  assert.deepEqual(got, [...Array(TOTAL).keys()], 'every message once, in order');
  assert.deepEqual(missed, [], 'no __missed');
  assert.ok(!timeline.some((e) => e.what === 'disconnect'), `the session lived on: ${JSON.stringify(timeline)}`);
  const reconnecting = timeline.find((e) => e.what === 'reconnecting');
  const reconnected = timeline.find((e) => e.what === 'reconnect');
  assert.ok(reconnecting && reconnected, `the receiver reconnected: ${JSON.stringify(timeline)}`);
  assert.equal(reconnecting.delay, 0, 'no backoff');
  const tookMs = reconnected.at - reconnecting.at;
  console.log(`# reconnect after __reconnect took ${tookMs} ms`);
  assert.ok(tookMs < 2000, `reconnected at once (${tookMs} ms)`);
  assert.equal(receiver.state, 'open');
});
