// Shared helpers for the live-server tests in ../test (kept out of test/ so that
// `node --test test/` does not run this file as a test file).
import assert from 'node:assert/strict';

/** Public id: 16 base64url characters (docs/protocol.md, "Identity"). */
export const PUBLIC_ID_RE = /^[A-Za-z0-9_-]{16}$/;
/** Credential: `<public id>.<43 base64url characters>`. */
export const CREDENTIAL_RE = /^[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{43}$/;

/** The live server's base URL, e.g. http://127.0.0.1:8080/socket — the only input of the tests. */
export function requireBase() {
  const base = process.env.SOCKET_SERVE_URL;
  if (!base) {
    throw new Error('SOCKET_SERVE_URL is not set: start the server and run e.g. SOCKET_SERVE_URL=http://127.0.0.1:8080/socket npm test');
  }
  return base.replace(/\/+$/, '');
}

export function uniq(prefix) {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export function range(n) {
  return Array.from({ length: n }, (_, i) => i);
}

/** The demo's `seq` event carries n either bare or as {n}. */
export function seqN(data) {
  return typeof data === 'number' ? data : data?.n;
}

/**
 * Resolves with the first argument of the next `event` on `emitter` (anything with on/off) that
 * passes `filter`; rejects after `timeout` ms.
 */
export function once(emitter, event, { timeout = 5000, filter = () => true } = {}) {
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

/** Waits for a condition to become true; polls it (used where the API offers no event). */
export async function waitUntil(condition, { timeout = 5000, interval = 10, label = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${label}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Records every payload of `event`; `waitFor(n)` resolves once n have arrived. */
export function collector(emitter, event, filter = () => true) {
  const items = [];
  const waiters = [];
  emitter.on(event, (data) => {
    if (!filter(data)) return;
    items.push(data);
    for (const w of [...waiters]) {
      if (items.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        clearTimeout(w.timer);
        w.resolve(items);
      }
    }
  });
  return {
    items,
    waitFor(n, timeout = 5000) {
      if (items.length >= n) return Promise.resolve(items);
      return new Promise((resolve, reject) => {
        const w = { n, resolve };
        w.timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`timed out after ${timeout} ms waiting for ${n} "${event}" (got ${items.length})`));
        }, timeout);
        waiters.push(w);
      });
    },
  };
}

/**
 * A fetch that records requests and responses. It also tracks how many POST /message requests
 * are in flight at once (protocol v1: the client sends the next only after the previous answer).
 */
export function recordingFetch() {
  const log = [];
  const rec = {
    log,
    maxMessagePostsInFlight: 0,
    messagePosts: () => log.filter((e) => e.method === 'POST' && new URL(e.url).pathname.endsWith('/message')),
    find: (method, suffix) => log.filter((e) => e.method === method && new URL(e.url).pathname.endsWith(suffix)),
  };
  let inFlight = 0;
  rec.fetch = async (url, init = {}) => {
    const entry = {
      url: String(url),
      method: init.method ?? 'GET',
      headers: new Headers(init.headers),
      body: init.body,
    };
    log.push(entry);
    const isMessage = entry.method === 'POST' && new URL(entry.url).pathname.endsWith('/message');
    if (isMessage) rec.maxMessagePostsInFlight = Math.max(rec.maxMessagePostsInFlight, ++inFlight);
    try {
      const res = await fetch(url, init);
      entry.status = res.status;
      entry.done = res
        .clone()
        .text()
        .then((text) => {
          entry.text = text;
          try {
            entry.json = JSON.parse(text);
          } catch {
            // not JSON
          }
        })
        .catch(() => {});
      return res;
    } catch (err) {
      entry.error = err;
      throw err;
    } finally {
      if (isMessage) inFlight--;
    }
  };
  return rec;
}

/**
 * Wraps an EventSource implementation that accepts a `fetch` option (the `eventsource` npm
 * package) so a test can drop every live stream like a network failure (`dropAll`), keep new
 * streams from opening until `release` (`hold`), or make every open fail (`failOpen`).
 */
export function controllableEventSource(BaseEventSource) {
  const live = new Set();
  const urls = [];
  let gate = null;
  let releaseGate = null;
  const ctl = {
    urls,
    failOpen: false,
    hold() {
      if (!gate) gate = new Promise((r) => (releaseGate = r));
    },
    release() {
      if (releaseGate) releaseGate();
      gate = null;
      releaseGate = null;
    },
    dropAll() {
      for (const conn of [...live]) conn.drop();
    },
    get liveCount() {
      return live.size;
    },
  };

  async function controlledFetch(url, init) {
    if (gate) await gate;
    urls.push(String(url));
    if (ctl.failOpen) throw new TypeError('simulated: event stream blocked');
    const res = await fetch(url, init);
    if (!res.body) return res;
    const reader = res.body.getReader();
    let controller;
    const conn = {
      drop() {
        live.delete(conn);
        try {
          controller.error(new TypeError('simulated network drop'));
        } catch {
          // already closed
        }
        reader.cancel().catch(() => {});
      },
    };
    const body = new ReadableStream({
      start(c) {
        controller = c;
      },
      async pull(c) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            live.delete(conn);
            c.close();
          } else {
            c.enqueue(value);
          }
        } catch (err) {
          live.delete(conn);
          try {
            c.error(err);
          } catch {
            // already errored by drop()
          }
        }
      },
      cancel(reason) {
        live.delete(conn);
        return reader.cancel(reason);
      },
    });
    live.add(conn);
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  }

  ctl.EventSource = class ControlledEventSource extends BaseEventSource {
    constructor(url, init) {
      super(url, { ...init, fetch: controlledFetch });
    }
  };
  return ctl;
}

export function assertSeq(items, count) {
  assert.deepEqual(items.map(seqN), range(count));
}
