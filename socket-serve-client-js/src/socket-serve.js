/**
 * socket-serve client for browsers and Node.js 20+ — wire protocol v1 (docs/protocol.md).
 *
 * A plain ES module without dependencies or build step:
 *
 *   import { connect } from '/socket-serve.js';
 *   const socket = connect('/socket');
 *   socket.on('connect', () => socket.emit('joinChannel', { channelName: 'general' }));
 *   socket.on('newMessage', (msg) => console.log(msg.from, msg.text));
 *   const reply = await socket.emitWithAck('echo', { hello: 'world' });
 *
 * Transport: client → server is one `POST {base}/message` at a time, in emit order, with the
 * credential in the `X-Socket-Serve-Session` header. Server → client is Server-Sent Events through
 * `EventSource` (the credential has to be in the query there), or long-polling. A dropped stream
 * is RESUMED on the same session from the last position seen (`lastEventId` / `after`), so
 * nothing is lost or duplicated inside the server's recovery window. A new session is created only
 * when the server answers `404 unknown_session`.
 *
 * Socket states: `idle` → `connecting` → `open` ⇄ `reconnecting` → `closed`.
 */

const SESSION_HEADER = 'X-Socket-Serve-Session';

/** Reason reported by the `disconnect` event after {@link Socket#disconnect}. */
export const CLIENT_DISCONNECT = 'io client disconnect';

export const DEFAULT_ACK_TIMEOUT = 5000;
export const DEFAULT_MAX_QUEUE = 100;
export const DEFAULT_RECONNECT_DELAY = 500;
export const DEFAULT_RECONNECT_DELAY_MAX = 10000;
export const DEFAULT_POLL_WAIT = 25000;

/** Extra time a long-poll may take beyond its `wait` before the client gives up on it. */
const POLL_GRACE_MS = 15000;
/** Consecutive SSE open failures (with the session alive) after which polling takes over. */
const SSE_FAILURES_BEFORE_POLLING = 2;
/** A stream whose first frame has not arrived after this long failed to open (e.g. a buffering proxy). */
const OPEN_TIMEOUT = 10000;

/** An error with a machine-readable `code` (the server's `error` field where there is one). */
export class SocketServeError extends Error {
  constructor(code, message, status) {
    super(message);
    this.name = 'SocketServeError';
    this.code = code;
    if (status !== undefined) this.status = status;
  }
}

/**
 * Creates a socket and starts connecting.
 *
 * @param {string} [url='/socket'] base URL of the server, e.g. `/socket` (browser) or
 *   `http://127.0.0.1:8080/socket` (Node.js needs an absolute URL)
 * @param {object} [options] see socket-serve.d.ts
 */
export function connect(url = '/socket', options = {}) {
  return new Socket(url, options).connect();
}

export class Socket {
  /** Public id of the current (or last) session; '' before the first connect. */
  id = '';
  /** True while the session's stream (SSE) or poll loop is up. */
  connected = false;
  /** 'sse' or 'polling' — the transport in use (SSE may fall back to polling). */
  transport;

  #base;
  #opts;
  #fetch;
  #handlers = new Map();
  #anyHandlers = new Set();

  #state = 'idle';
  #credential = null;
  /** The server's heartbeat period (connect response); a stream silent for 2.5× this is dead. */
  #pingInterval = 25000;
  #lastFrameAt = 0;
  #watchdog = null;
  #position = null;
  #announced = false;
  #sessionGen = 0;
  #streamGen = 0;
  #attempt = 0;
  #sseFailures = 0;
  #es = null;
  #pollCtrl = null;
  #timers = new Set();
  #eventSourceCtor;

  #outbox = [];
  #sending = false;
  #postAttempt = 0;
  #pending = new Map();
  #ackSeq = 0;
  /** The last `seq` given to an event of the current session (exactly-once events, protocol v1). */
  #eventSeq = 0;

  constructor(url = '/socket', options = {}) {
    this.#base = resolveBase(url);
    const o = options ?? {};
    this.#opts = {
      transport: o.transport === 'polling' ? 'polling' : 'sse',
      ackTimeout: positive(o.ackTimeout, DEFAULT_ACK_TIMEOUT, 'ackTimeout'),
      maxQueue: nonNegative(o.maxQueue, DEFAULT_MAX_QUEUE, 'maxQueue'),
      autoReconnect: o.autoReconnect !== false,
      reconnectDelay: positive(o.reconnectDelay, DEFAULT_RECONNECT_DELAY, 'reconnectDelay'),
      reconnectDelayMax: positive(o.reconnectDelayMax, DEFAULT_RECONNECT_DELAY_MAX, 'reconnectDelayMax'),
      pollWait: nonNegative(o.pollWait, DEFAULT_POLL_WAIT, 'pollWait'),
      openTimeout: positive(o.openTimeout, OPEN_TIMEOUT, 'openTimeout'),
      withCredentials: o.withCredentials === true,
      auth: o.auth,
      namespace: o.namespace,
      EventSource: o.EventSource,
    };
    if (o.namespace !== undefined && (typeof o.namespace !== 'string' || !o.namespace.startsWith('/'))) {
      throw new TypeError(`socket-serve: options.namespace must be a string starting with '/', got ${String(o.namespace)}`);
    }
    if (o.transport !== undefined && o.transport !== 'sse' && o.transport !== 'polling') {
      throw new TypeError(`socket-serve: options.transport must be 'sse' or 'polling', got ${String(o.transport)}`);
    }
    const f = o.fetch ?? globalThis.fetch;
    if (typeof f !== 'function') throw new TypeError('socket-serve: no fetch() available; pass options.fetch');
    this.#fetch = (input, init) => f(input, init);
    this.transport = this.#opts.transport;
  }

  /** 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed' */
  get state() {
    return this.#state;
  }

  /** Starts connecting (done by {@link connect}); after {@link disconnect}, connects anew. */
  connect() {
    if (this.#state !== 'idle' && this.#state !== 'closed') return this;
    this.#state = 'connecting';
    this.#attempt = 0;
    this.#establish();
    return this;
  }

  /** Ends the session: closes the stream, tells the server, fails pending acks. */
  disconnect() {
    if (this.#state === 'idle' || this.#state === 'closed') return this;
    const credential = this.#credential;
    this.#finalClose(CLIENT_DISCONNECT);
    if (credential) {
      this.#fetch(`${this.#base}/disconnect`, {
        method: 'POST',
        keepalive: true,
        headers: { 'Content-Type': 'application/json', [SESSION_HEADER]: credential },
        body: '{}',
      })
        .then(drain)
        .catch(() => {});
    }
    return this;
  }

  on(event, handler) {
    checkHandler(handler);
    let set = this.#handlers.get(event);
    if (!set) this.#handlers.set(event, (set = new Set()));
    set.add(handler);
    return this;
  }

  once(event, handler) {
    checkHandler(handler);
    const self = this;
    function wrapper(...args) {
      self.off(event, wrapper);
      return handler.apply(self, args);
    }
    wrapper.listener = handler;
    // keeps the arity: it tells whether the handler answers server acks through its callback
    Object.defineProperty(wrapper, 'length', { value: handler.length });
    return this.on(event, wrapper);
  }

  off(event, handler) {
    if (event === undefined) {
      this.#handlers.clear();
      return this;
    }
    const set = this.#handlers.get(event);
    if (!set) return this;
    if (handler === undefined) {
      this.#handlers.delete(event);
      return this;
    }
    for (const h of set) {
      if (h === handler || h.listener === handler) {
        set.delete(h);
        break;
      }
    }
    if (set.size === 0) this.#handlers.delete(event);
    return this;
  }

  /** Handler called as `(event, data)` for every event the server sends (not state events). */
  onAny(handler) {
    checkHandler(handler);
    this.#anyHandlers.add(handler);
    return this;
  }

  offAny(handler) {
    if (handler === undefined) this.#anyHandlers.clear();
    else this.#anyHandlers.delete(handler);
    return this;
  }

  /**
   * Sends an event. With a callback, the callback receives the server's acknowledgement, or an
   * Error (a {@link SocketServeError}) on timeout, rejection or disconnect. Without a callback, a
   * message that cannot be queued throws.
   */
  emit(event, data, ack) {
    if (typeof data === 'function' && ack === undefined) {
      ack = data;
      data = undefined;
    }
    if (ack !== undefined && typeof ack !== 'function') {
      throw new TypeError('socket-serve: the ack callback must be a function');
    }
    this.#enqueue(event, data, ack ? { ok: (v) => ack(v), fail: (e) => ack(e) } : null);
    return this;
  }

  /** Sends an event and resolves with the server's acknowledgement (rejects on timeout etc.). */
  emitWithAck(event, data) {
    return new Promise((resolve, reject) => this.#enqueue(event, data, { ok: resolve, fail: reject }));
  }

  /**
   * Measures the round trip to the server: resolves with the milliseconds a `__ping` POST took
   * (it bypasses the outbox, so queued messages do not delay it). Rejects when not connected.
   */
  async ping() {
    if (this.#state !== 'open' || this.#credential == null) {
      throw new SocketServeError('not_connected', 'socket-serve: ping: not connected');
    }
    const started = (globalThis.performance ?? Date).now();
    const res = await this.#fetch(`${this.#base}/message`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', [SESSION_HEADER]: this.#credential },
      body: '{"event":"__ping"}',
      cache: 'no-store',
    });
    if (!res.ok) throw await errorFromResponse(res, 'ping');
    await res.text();
    return (globalThis.performance ?? Date).now() - started;
  }

  // ---------------------------------------------------------------- session

  async #establish() {
    const gen = ++this.#sessionGen;
    this.#closeStream();
    this.#credential = null;
    this.#position = null;
    this.#announced = false;
    this.#sseFailures = 0;
    this.transport = this.#opts.transport;
    let body;
    try {
      const init = { method: 'POST', headers: { Accept: 'application/json' }, cache: 'no-store' };
      if (this.#opts.auth !== undefined || this.#opts.namespace !== undefined) {
        const payload = {};
        if (this.#opts.auth !== undefined) payload.auth = this.#opts.auth;
        if (this.#opts.namespace !== undefined) payload.namespace = this.#opts.namespace;
        init.headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(payload);
      }
      const res = await this.#fetch(`${this.#base}/connect`, init);
      if (gen !== this.#sessionGen) return drain(res);
      if (!res.ok) throw await errorFromResponse(res, 'connect');
      body = await res.json();
      if (!body || typeof body.sessionId !== 'string' || body.sessionId === '') {
        throw new SocketServeError('invalid_response', 'socket-serve: connect: the server answered without a sessionId');
      }
    } catch (err) {
      if (gen !== this.#sessionGen) return;
      const e = asError(err, 'connect');
      this.#emitLocal('connect_error', e);
      if (this.#state !== 'connecting') return; // a handler called disconnect()
      if (!this.#opts.autoReconnect) {
        this.#finalClose('connect_error', e);
        return;
      }
      this.#schedule(() => this.#establish(), e.retryAfter ?? this.#nextDelay());
      return;
    }
    if (gen !== this.#sessionGen) return;
    this.#credential = body.sessionId;
    this.#eventSeq = 0;
    this.id = typeof body.id === 'string' && body.id ? body.id : body.sessionId.split('.')[0];
    if (typeof body.pingInterval === 'number' && body.pingInterval > 0) this.#pingInterval = body.pingInterval;
    this.#position = body.position != null ? String(body.position) : null;
    if (this.transport === 'polling') this.#startPolling();
    else this.#openSSE(false);
  }

  /** Called when the stream (or poll loop) is up: announces connect / reconnect, flushes. */
  #onOpen(data) {
    if (data && typeof data.id === 'string' && data.id) this.id = data.id;
    this.#attempt = 0;
    this.#state = 'open';
    this.connected = true;
    if (this.#announced) {
      this.#emitLocal('reconnect');
    } else {
      this.#announced = true;
      this.#emitLocal('connect');
    }
    this.#flush();
  }

  /** The stream failed; returns the delay before the next attempt and tells the listeners. */
  #retrying(err) {
    this.connected = false;
    const delay = err?.retryAfter ?? this.#nextDelay();
    if (err) this.#emitLocal('connect_error', err);
    if (this.#announced && (this.#state === 'open' || this.#state === 'reconnecting')) {
      this.#state = 'reconnecting';
      this.#emitLocal('reconnecting', this.#attempt, delay);
    }
    return delay;
  }

  /** The server does not know the session (any more), or refuses the credential. */
  #sessionLost(err) {
    if (this.#state === 'closed' || this.#credential == null) return;
    this.#closeStream();
    this.connected = false;
    const reason = err.code || 'unknown_session';
    this.#failPendingAcks(
      new SocketServeError('session_lost', `socket-serve: the session ended (${reason}) before the acknowledgement arrived`),
      true,
    );
    // answers to server acks belong to the old session
    this.#outbox = this.#outbox.filter((e) => !e.internal);
    if (!(err.code === 'unknown_session' && this.#opts.autoReconnect)) {
      this.#finalClose(reason, err);
      return;
    }
    const wasAnnounced = this.#announced;
    this.#state = 'connecting';
    this.#announced = false;
    this.#credential = null;
    if (wasAnnounced) this.#emitLocal('disconnect', reason, err);
    else this.#emitLocal('connect_error', err);
    if (this.#state !== 'connecting') return; // a handler called disconnect()
    this.#schedule(() => this.#establish(), this.#nextDelay());
  }

  #finalClose(reason, err) {
    const wasAnnounced = this.#announced;
    this.#state = 'closed';
    this.connected = false;
    this.#announced = false;
    this.#sessionGen++;
    this.#closeStream();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    const unsentWithoutAck = this.#outbox.filter((e) => !e.internal && e.messageId == null).length;
    this.#outbox = [];
    this.#failPendingAcks(new SocketServeError('disconnected', `socket-serve: the socket was closed (${reason})`), false);
    if (wasAnnounced) this.#emitLocal('disconnect', reason, err);
    if (unsentWithoutAck > 0 && reason !== CLIENT_DISCONNECT) {
      this.#emitLocal(
        'send_error',
        new SocketServeError('not_sent', `socket-serve: ${unsentWithoutAck} queued message(s) were not sent: the socket was closed (${reason})`),
      );
    }
  }

  #closeStream() {
    this.#streamGen++;
    this.#stopWatchdog();
    if (this.#es) {
      const es = this.#es;
      this.#es = null;
      es.onmessage = null;
      es.onerror = null;
      const close = () => {
        try {
          es.close();
        } catch {
          // closing is best effort
        }
      };
      close();
      // The `eventsource` npm package arms its own reconnect timer right after calling onerror;
      // closing once more afterwards clears it, so no timer outlives the stream.
      queueMicrotask(close);
    }
    if (this.#pollCtrl) {
      this.#pollCtrl.abort();
      this.#pollCtrl = null;
    }
  }

  // ---------------------------------------------------------------- SSE

  async #openSSE(resume) {
    const gen = ++this.#streamGen;
    const ES = await this.#resolveEventSource();
    if (gen !== this.#streamGen || this.#state === 'closed' || this.#credential == null) return;
    if (!ES) {
      this.#startPolling();
      return;
    }
    // EventSource cannot send headers: the credential has to go into the query (protocol.md).
    // ping=1: heartbeats as `__ping` data frames, which (unlike comments) scripts can see.
    let url = `${this.#base}/sse?sessionId=${encodeURIComponent(this.#credential)}&ping=1`;
    if (resume && this.#position != null) url += `&lastEventId=${encodeURIComponent(this.#position)}`;
    let es;
    try {
      es = new ES(url, { withCredentials: this.#opts.withCredentials });
    } catch (err) {
      this.#onSSEError(false, err);
      return;
    }
    this.#es = es;
    let opened = false;
    this.#lastFrameAt = Date.now();
    this.#startWatchdog(gen, () => opened);
    es.onmessage = (ev) => {
      if (gen !== this.#streamGen) return;
      this.#lastFrameAt = Date.now();
      let frame;
      try {
        frame = JSON.parse(ev.data);
      } catch {
        reportError(new SocketServeError('invalid_frame', `socket-serve: ignored a frame that is not JSON: ${String(ev.data).slice(0, 100)}`));
        return;
      }
      if (!frame || typeof frame !== 'object') return;
      if (!opened) {
        opened = true;
        this.#sseFailures = 0;
        this.#onOpen(frame.event === 'connected' ? frame.data : null);
        if (gen !== this.#streamGen || frame.event === 'connected') return;
      }
      if (ev.lastEventId) this.#position = ev.lastEventId;
      this.#handleFrame(frame);
    };
    es.onerror = (ev) => {
      if (gen !== this.#streamGen) return;
      this.#onSSEError(opened, ev);
    };
  }

  /**
   * Watches the stream: one that does not open within OPEN_TIMEOUT, or goes silent for 2.5
   * heartbeats once open, is treated as failed. That catches what `EventSource` never reports — a
   * proxy that buffers the stream, a connection that died silently — and such failures count towards
   * the switch to long-polling like failures to open.
   */
  #startWatchdog(gen, isOpen) {
    this.#stopWatchdog();
    const openTimeout = this.#opts.openTimeout;
    const period = Math.max(50, Math.min(this.#pingInterval / 2, openTimeout / 4));
    this.#watchdog = setInterval(() => {
      if (gen !== this.#streamGen || !this.#es) {
        this.#stopWatchdog();
        return;
      }
      const silent = Date.now() - this.#lastFrameAt;
      if (!isOpen()) {
        if (silent > openTimeout) {
          this.#stopWatchdog();
          this.#onSSEError(false, new SocketServeError('sse_timeout', 'socket-serve: the event stream did not open'));
        }
        return;
      }
      if (silent > this.#pingInterval * 2.5) {
        this.#stopWatchdog();
        this.#sseFailures++;
        if (this.#sseFailures >= SSE_FAILURES_BEFORE_POLLING) {
          // Frames stopped arriving on a stream that looked open twice: a buffering proxy is likely.
          this.#closeStream();
          this.connected = false;
          this.#startPolling();
          return;
        }
        this.#onSSEError(true, new SocketServeError('heartbeat_timeout', 'socket-serve: no heartbeat from the server'));
      }
    }, period);
    if (typeof this.#watchdog === 'object' && typeof this.#watchdog.unref === 'function') this.#watchdog.unref();
  }

  #stopWatchdog() {
    if (this.#watchdog != null) {
      clearInterval(this.#watchdog);
      this.#watchdog = null;
    }
  }

  #onSSEError(opened, ev) {
    // Never let EventSource reconnect on its own: it would not report positions we control.
    this.#closeStream();
    this.connected = false;
    if (this.#state === 'closed') return;
    if (opened) {
      this.#schedule(() => this.#openSSE(true), this.#retrying(null));
      return;
    }
    this.#probeAfterSSEFailure(ev);
  }

  /**
   * The stream did not open. A browser EventSource does not expose the HTTP status, so ask the
   * polling endpoint whether the session still exists before deciding what to do.
   */
  async #probeAfterSSEFailure(ev) {
    const gen = this.#streamGen;
    const status = ev && typeof ev.code === 'number' ? ev.code : undefined;
    try {
      const body = await this.#pollOnce(0);
      if (gen !== this.#streamGen || this.#state === 'closed') return;
      // With a known position the probe's messages are replayed by the next stream; without one
      // (a server that does not send positions) the probe consumed them, so deliver them.
      if (this.#position == null) this.#deliverPoll(body, gen);
      if (gen !== this.#streamGen || this.#state === 'closed') return;
      this.#sseFailures++;
      if (this.#sseFailures >= SSE_FAILURES_BEFORE_POLLING) {
        this.#startPolling();
        return;
      }
      const err = new SocketServeError(
        'sse_failed',
        `socket-serve: the event stream failed to open${status ? ` (HTTP ${status})` : ''}`,
        status,
      );
      this.#schedule(() => this.#openSSE(true), this.#retrying(err));
    } catch (err) {
      if (gen !== this.#streamGen || this.#state === 'closed') return;
      if (isSessionLost(err)) {
        this.#sessionLost(err);
        return;
      }
      this.#schedule(() => this.#openSSE(true), this.#retrying(asError(err, 'poll')));
    }
  }

  async #resolveEventSource() {
    if (this.#eventSourceCtor !== undefined) return this.#eventSourceCtor;
    let ctor = this.#opts.EventSource ?? globalThis.EventSource ?? null;
    if (!ctor) {
      try {
        const specifier = 'eventsource'; // Node.js: the npm package, if installed
        const mod = await import(/* @vite-ignore */ specifier);
        ctor = mod.EventSource ?? mod.default ?? null;
      } catch {
        ctor = null;
      }
    }
    this.#eventSourceCtor = typeof ctor === 'function' ? ctor : null;
    return this.#eventSourceCtor;
  }

  // ---------------------------------------------------------------- polling

  #startPolling() {
    const gen = ++this.#streamGen;
    this.transport = 'polling';
    if (!this.#announced) this.#onOpen(null);
    if (gen !== this.#streamGen || this.#state === 'closed') return;
    this.#pollLoop(gen);
  }

  async #pollLoop(gen) {
    while (gen === this.#streamGen && this.#state !== 'closed') {
      let body;
      try {
        body = await this.#pollOnce(this.#opts.pollWait);
      } catch (err) {
        if (gen !== this.#streamGen || this.#state === 'closed') return;
        if (isSessionLost(err)) {
          this.#sessionLost(err);
          return;
        }
        await this.#sleep(this.#retrying(asError(err, 'poll')));
        continue;
      }
      if (gen !== this.#streamGen || this.#state === 'closed') return;
      if (this.#state !== 'open') this.#onOpen(null);
      this.#deliverPoll(body, gen);
    }
  }

  async #pollOnce(wait) {
    let url = `${this.#base}/sse?transport=polling`;
    if (this.#position != null) url += `&after=${encodeURIComponent(this.#position)}`;
    if (wait > 0) url += `&wait=${wait}`;
    const ctrl = new AbortController();
    this.#pollCtrl = ctrl;
    const timer = setTimeout(() => ctrl.abort(), wait + POLL_GRACE_MS);
    try {
      const res = await this.#fetch(url, {
        headers: { [SESSION_HEADER]: this.#credential, Accept: 'application/json' },
        cache: 'no-store',
        signal: ctrl.signal,
      });
      if (!res.ok) throw await errorFromResponse(res, 'poll');
      const body = await res.json();
      if (!body || !Array.isArray(body.messages)) {
        throw new SocketServeError('invalid_response', 'socket-serve: poll: the server answered without a messages array');
      }
      return body;
    } finally {
      clearTimeout(timer);
      if (this.#pollCtrl === ctrl) this.#pollCtrl = null;
    }
  }

  #deliverPoll(body, gen) {
    if (body.position != null) this.#position = String(body.position);
    for (const frame of body.messages) {
      if (gen !== this.#streamGen || this.#state === 'closed') return;
      if (frame && typeof frame === 'object') this.#handleFrame(frame);
    }
  }

  // ---------------------------------------------------------------- inbound frames

  #handleFrame(frame) {
    const event = frame.event;
    if (typeof event !== 'string') return;
    if (frame.data !== null && typeof frame.data === 'object') frame.data = decodeBinary(frame.data);
    switch (event) {
      case '__ack':
        if (frame.messageId != null) {
          const id = String(frame.messageId);
          if (frame.error) {
            const e = frame.error;
            const event = this.#pending.get(id)?.entry.event;
            const message = `socket-serve: emit${event ? ` "${event}"` : ''}: ${e.message ?? e.error ?? 'rejected by the server'}`;
            this.#settleAck(id, false, new SocketServeError(e.error ?? 'ack_error', message));
          } else {
            this.#settleAck(id, true, frame.data);
          }
        }
        return;
      case '__missed':
        this.#emitLocal('missed', frame.data);
        return;
      case '__disconnect':
        this.#finalClose(frame.data?.reason ?? 'server disconnect');
        return;
      case '__reconnect':
        this.#reconnectNow();
        return;
      case 'connected':
      case '__ping':
        return;
      default:
    }
    const set = this.#handlers.get(event);
    const list = set ? [...set] : [];
    for (const h of [...this.#anyHandlers]) callSafely(h, this, [event, frame.data]);
    if (frame.requiresAck && frame.messageId != null) {
      this.#dispatchWithAck(list, frame);
      return;
    }
    for (const h of list) callSafely(h, this, [frame.data]);
  }

  /**
   * A server → client ack request: the first answer wins — the handler's ack callback argument,
   * its (awaited) return value when not undefined, or its return value even when undefined if the
   * handler does not declare the callback parameter.
   */
  #dispatchWithAck(list, frame) {
    const messageId = String(frame.messageId);
    const sessionGen = this.#sessionGen;
    let answered = false;
    const answer = (value) => {
      if (answered) return;
      answered = true;
      if (sessionGen !== this.#sessionGen) return; // the session that asked is gone
      this.#outbox.push({ event: '__ack', messageId, data: value === undefined ? null : value, internal: true });
      this.#flush();
    };
    for (const h of list) {
      let ret;
      try {
        ret = h.call(this, frame.data, answer);
      } catch (err) {
        reportError(err);
        continue;
      }
      const usesCallback = h.length >= 2;
      if (ret && typeof ret.then === 'function') {
        ret.then(
          (v) => {
            if (v !== undefined || !usesCallback) answer(v);
          },
          (err) => reportError(err),
        );
      } else if (ret !== undefined || !usesCallback) {
        answer(ret);
      }
    }
  }

  /**
   * `__reconnect` (v1): the server is going away (a graceful shutdown) and the session lives on.
   * Reconnect at once — no backoff; a load balancer sends the new stream to another instance — and
   * resume from the last position, so nothing is lost. A poll loop asks again at once anyway.
   */
  #reconnectNow() {
    if (this.transport === 'polling' || !this.#es) return;
    this.#closeStream();
    this.connected = false;
    if (this.#state === 'closed') return;
    if (this.#announced && this.#state === 'open') {
      this.#state = 'reconnecting';
      this.#emitLocal('reconnecting', 0, 0);
    }
    if (this.#state === 'closed') return; // a handler called disconnect()
    this.#openSSE(true);
  }

  // ---------------------------------------------------------------- outbound messages

  #enqueue(event, data, ack) {
    let err = null;
    if (typeof event !== 'string' || event === '') {
      throw new TypeError('socket-serve: the event name must be a non-empty string');
    }
    if (this.#state === 'idle' || this.#state === 'closed') {
      err = new SocketServeError('disconnected', `socket-serve: cannot emit "${event}": the socket is disconnected (call connect())`);
    } else if (this.#state !== 'open' && this.#queued() >= this.#opts.maxQueue) {
      err = new SocketServeError(
        'queue_full',
        `socket-serve: cannot emit "${event}": not connected and ${this.#opts.maxQueue} message(s) already wait to be sent (maxQueue)`,
      );
    }
    if (err) {
      if (!ack) throw err;
      queueMicrotask(() => ack.fail(err));
      return;
    }
    const entry = { event, data: data === undefined ? null : data, messageId: null, internal: false, inFlight: false, sent: false };
    if (ack) {
      const messageId = String(++this.#ackSeq);
      entry.messageId = messageId;
      const ms = this.#opts.ackTimeout;
      const timer = setTimeout(() => {
        if (!this.#pending.has(messageId)) return;
        // a message that has not left yet is withdrawn, so a timed-out emit is never sent later
        if (!entry.inFlight && !entry.sent) this.#remove(entry);
        this.#settleAck(messageId, false, new SocketServeError('ack_timeout', `socket-serve: no acknowledgement for "${event}" within ${ms} ms`));
      }, ms);
      this.#pending.set(messageId, { entry, ack, timer });
    }
    this.#outbox.push(entry);
    this.#flush();
  }

  #queued() {
    let n = 0;
    for (const e of this.#outbox) if (!e.internal) n++;
    return n;
  }

  #remove(entry) {
    const i = this.#outbox.indexOf(entry);
    if (i >= 0) this.#outbox.splice(i, 1);
  }

  /** Sends the head of the outbox; one POST at a time, in order, only while open. */
  async #flush() {
    if (this.#sending || this.#state !== 'open' || this.#outbox.length === 0) return;
    this.#sending = true;
    const entry = this.#outbox[0];
    const credential = this.#credential;
    entry.inFlight = true;
    let retryIn = -1;
    try {
      const data = encodeBinary(entry.data);
      if (!entry.internal && entry.seqFor !== credential) {
        // One number per event and session, kept by every retry: the server runs it once.
        entry.seq = ++this.#eventSeq;
        entry.seqFor = credential;
      }
      const body = entry.internal
        ? { event: '__ack', messageId: entry.messageId, data }
        : entry.messageId != null
          ? { event: entry.event, data, messageId: entry.messageId, requiresAck: true, ackInResponse: true, seq: entry.seq }
          : { event: entry.event, data, requiresAck: false, seq: entry.seq };
      let res;
      try {
        res = await this.#fetch(`${this.#base}/message`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', [SESSION_HEADER]: credential },
          body: JSON.stringify(body),
          cache: 'no-store',
        });
      } catch {
        // Network failure: the server may or may not have seen it. Retry the same message, in order,
        // with the same seq: a server that saw it answers with its first answer instead of running
        // it again (a server without exactly-once events ignores seq: at-least-once).
        retryIn = this.#postDelay();
        return;
      }
      if (res.ok) {
        this.#postAttempt = 0;
        this.#remove(entry);
        entry.sent = true;
        let json = null;
        try {
          json = await res.json();
        } catch {
          // an empty or non-JSON success answer carries no ack
        }
        if (!entry.internal && entry.messageId != null && json && typeof json === 'object' && 'ack' in json) {
          this.#settleAck(entry.messageId, true, decodeBinary(json.ack));
        }
        return;
      }
      const err = await errorFromResponse(res, `emit "${entry.event}"`);
      if (isSessionLost(err)) {
        // the message stays queued for the next session (dropped if the socket closes)
        if (credential === this.#credential) this.#sessionLost(err);
        return;
      }
      if (
        res.status === 429 ||
        res.status === 502 ||
        res.status === 503 ||
        res.status === 504 ||
        (res.status === 409 && err.code === 'event_in_progress')
      ) {
        retryIn = err.retryAfter ?? this.#postDelay();
        return;
      }
      this.#remove(entry);
      if (entry.internal) reportError(err);
      else if (entry.messageId != null) this.#settleAck(entry.messageId, false, err);
      else this.#emitLocal('send_error', err);
    } finally {
      entry.inFlight = false;
      this.#sending = false;
      if (retryIn >= 0) this.#schedule(() => this.#flush(), retryIn);
      else this.#flush();
    }
  }

  #settleAck(messageId, ok, value) {
    const p = this.#pending.get(messageId);
    if (!p) return;
    this.#pending.delete(messageId);
    clearTimeout(p.timer);
    try {
      if (ok) p.ack.ok(value);
      else p.ack.fail(value);
    } catch (err) {
      reportError(err);
    }
  }

  #failPendingAcks(err, onlySent) {
    for (const [id, p] of this.#pending) {
      if (onlySent && !p.entry.sent) continue;
      this.#settleAck(id, false, err);
    }
  }

  // ---------------------------------------------------------------- helpers

  #emitLocal(event, ...args) {
    const set = this.#handlers.get(event);
    if (!set || set.size === 0) {
      // a failed send nobody listens to is still reported, never swallowed
      if (event === 'send_error') reportError(args[0]);
      return;
    }
    for (const h of [...set]) callSafely(h, this, args);
  }

  #schedule(fn, ms) {
    if (this.#state === 'closed') return; // e.g. a state-event handler called disconnect()
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
  }

  #sleep(ms) {
    return new Promise((resolve) => this.#schedule(resolve, ms));
  }

  /** Exponential backoff with jitter for (re)connection attempts: [d/2, d), d doubling. */
  #nextDelay() {
    return jitter(this.#opts.reconnectDelay, this.#opts.reconnectDelayMax, this.#attempt++);
  }

  #postDelay() {
    return jitter(this.#opts.reconnectDelay, this.#opts.reconnectDelayMax, this.#postAttempt++);
  }
}

function jitter(base, max, attempt) {
  const d = Math.min(max, base * 2 ** Math.min(attempt, 30));
  return Math.round(d / 2 + (Math.random() * d) / 2);
}

function resolveBase(url) {
  if (typeof url !== 'string' || url === '') throw new TypeError('socket-serve: the URL must be a non-empty string');
  let abs;
  try {
    abs = new URL(url);
  } catch {
    const href = globalThis.location?.href;
    if (!href) {
      throw new TypeError(
        `socket-serve: "${url}" is not an absolute URL; outside a browser connect() needs one, e.g. http://127.0.0.1:8080/socket`,
      );
    }
    abs = new URL(url, href);
  }
  abs.search = '';
  abs.hash = '';
  return abs.href.replace(/\/+$/, '');
}

function isSessionLost(err) {
  return (
    err instanceof SocketServeError &&
    ((err.status === 404 && err.code === 'unknown_session') || err.status === 403 || err.code === 'invalid_session_id')
  );
}

async function errorFromResponse(res, what) {
  let code = `http_${res.status}`;
  let message = `socket-serve: ${what}: HTTP ${res.status}`;
  try {
    const body = await res.json();
    if (body && typeof body.error === 'string') {
      code = body.error;
      message = `socket-serve: ${what}: ${body.message ?? body.error} (HTTP ${res.status})`;
    }
  } catch {
    // not a JSON error body
  }
  const err = new SocketServeError(code, message, res.status);
  const retryAfter = Number(res.headers?.get?.('Retry-After'));
  if (retryAfter > 0) err.retryAfter = retryAfter * 1000;
  return err;
}

function asError(err, what) {
  if (err instanceof Error) return err;
  return new SocketServeError('network_error', `socket-serve: ${what} failed: ${String(err)}`);
}

function drain(res) {
  return res?.body?.cancel?.().catch(() => {});
}

function callSafely(fn, self, args) {
  try {
    fn.apply(self, args);
  } catch (err) {
    reportError(err);
  }
}

function reportError(err) {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(err);
  else console.error(err);
}

function checkHandler(handler) {
  if (typeof handler !== 'function') throw new TypeError('socket-serve: the handler must be a function');
}

function positive(value, dflt, name) {
  if (value === undefined) return dflt;
  if (typeof value !== 'number' || !(value > 0)) throw new TypeError(`socket-serve: options.${name} must be a positive number`);
  return value;
}

function nonNegative(value, dflt, name) {
  if (value === undefined) return dflt;
  if (typeof value !== 'number' || !(value >= 0)) throw new TypeError(`socket-serve: options.${name} must be a number ≥ 0`);
  return value;
}

// ------------------------------------------------------------------ binary payloads (protocol.md)

const BINARY_KEY = '$binary';

function toBase64(bytes) {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

function fromBase64(text) {
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

/** Uint8Array / ArrayBuffer / any typed array, anywhere in `value`, as `{"$binary": base64}`. */
export function encodeBinary(value) {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof ArrayBuffer) return { [BINARY_KEY]: toBase64(new Uint8Array(value)) };
  if (ArrayBuffer.isView(value)) {
    return { [BINARY_KEY]: toBase64(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) };
  }
  if (Array.isArray(value)) return value.map(encodeBinary);
  if (typeof value.toJSON === 'function') return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) out[k] = encodeBinary(v);
  return out;
}

/** `{"$binary": base64}` values, anywhere in `value`, as `Uint8Array`. */
export function decodeBinary(value) {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(decodeBinary);
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === BINARY_KEY && typeof value[BINARY_KEY] === 'string') {
    return fromBase64(value[BINARY_KEY]);
  }
  for (const k of keys) value[k] = decodeBinary(value[k]);
  return value;
}
