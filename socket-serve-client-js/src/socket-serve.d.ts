/**
 * socket-serve client for browsers and Node.js 20+ — wire protocol v1 (docs/protocol.md).
 *
 * ```js
 * import { connect } from '/socket-serve.js';
 * const socket = connect('/socket');
 * socket.on('connect', () => socket.emit('joinChannel', { channelName: 'general' }));
 * socket.on('newMessage', (msg) => console.log(msg.from, msg.text));
 * const reply = await socket.emitWithAck('echo', { hello: 'world' });
 * ```
 *
 * Lifecycle (`socket.state`): `idle` → `connecting` → `open` ⇄ `reconnecting` → `closed`.
 *
 * - `connect` fires when a session is established and its stream is up (again after a new
 *   session replaced a lost one — re-join rooms there).
 * - When the stream drops, the socket resumes THE SAME session from the last position it saw
 *   (`reconnecting` per attempt, then `reconnect`); rooms are kept and no message is lost or
 *   duplicated inside the server's recovery window (else `missed` tells you).
 * - `disconnect` fires when the session ends: {@link Socket.disconnect} (`'io client disconnect'`),
 *   the server ended it (the server's reason), or the server no longer knows it
 *   (`'unknown_session'`; with `autoReconnect` a new session follows, with a new `id`).
 */

export type Transport = 'sse' | 'polling';

export type SocketState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Reason reported by `disconnect` after {@link Socket.disconnect}. */
export declare const CLIENT_DISCONNECT: 'io client disconnect';
export declare const DEFAULT_ACK_TIMEOUT: 5000;
export declare const DEFAULT_MAX_QUEUE: 100;
export declare const DEFAULT_RECONNECT_DELAY: 500;
export declare const DEFAULT_RECONNECT_DELAY_MAX: 10000;
export declare const DEFAULT_POLL_WAIT: 25000;

export interface EventSourceLike {
  onmessage: ((ev: { data: string; lastEventId: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  close(): void;
}

export interface EventSourceConstructor {
  new (url: string, init?: { withCredentials?: boolean }): EventSourceLike;
}

export interface ConnectOptions {
  /** `'sse'` (default; falls back to polling when the stream fails to open twice in a row) or `'polling'`. */
  transport?: Transport;
  /** Milliseconds to wait for an acknowledgement. Default {@link DEFAULT_ACK_TIMEOUT} (5000). */
  ackTimeout?: number;
  /**
   * How many messages may wait while the socket is not connected. Default
   * {@link DEFAULT_MAX_QUEUE} (100). Over it an emit fails: its ack callback gets a
   * {@link SocketServeError} with code `'queue_full'`, its promise rejects with it, and an emit
   * without a callback throws it. While connected, emits are pipelined without this bound.
   */
  maxQueue?: number;
  /**
   * When the server answers `404 unknown_session` (or the first connect fails), create a new
   * session (true, default) or close the socket (false).
   */
  autoReconnect?: boolean;
  /** First backoff delay in ms (doubles per attempt, with jitter). Default 500. */
  reconnectDelay?: number;
  /** Backoff ceiling in ms. Default 10000. */
  reconnectDelayMax?: number;
  /** Long-poll `wait` in ms (server caps it at 30000). Default 25000. */
  pollWait?: number;
  /** Passed to `EventSource` (cross-origin cookies). Default false. */
  withCredentials?: boolean;
  /** Sent as `{"auth": …}` in the connect request. */
  auth?: unknown;
  /**
   * Milliseconds for an event stream to deliver its first frame before it counts as failed (default
   * 10000). Two failures in a row — or two streams that go silent — switch to long-polling, which is
   * how a proxy that buffers event streams is detected.
   */
  openTimeout?: number;
  /** The namespace to connect to (default `"/"`); fixed for the session. */
  namespace?: string;
  /**
   * The `EventSource` to use. Default: `globalThis.EventSource`, else (Node.js) the `eventsource`
   * npm package if it can be imported, else polling.
   */
  EventSource?: EventSourceConstructor;
  /** The `fetch` to use. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
}

/** Payload of `missed`: messages after `after` up to `oldest` (exclusive) are gone. */
export interface MissedInfo {
  after: number;
  oldest: number;
}

/** Error codes: the server's `error` field (`internal_error`, `payload_too_large`, …) or the client's own. */
/**
 * Data of the `presence` event the server sends to a room's members when a user tracked with
 * `socket.track(room, userId, state)` on the server joins, changes state or leaves:
 * `socket.on('presence', (p: PresenceEvent) => …)`. One user counts once however many sessions it has.
 */
export interface PresenceEvent {
  type: 'join' | 'update' | 'leave';
  room: string;
  user: string;
  state: unknown;
}

/** One entry of `server.presence(room)` as the server's handlers usually send it in an ack. */
export interface PresenceEntry {
  userId: string;
  state: unknown;
  sessions: number;
}

export type SocketServeErrorCode =
  | 'ack_timeout'
  | 'queue_full'
  | 'disconnected'
  | 'session_lost'
  | 'not_sent'
  | 'sse_failed'
  | 'invalid_response'
  | 'network_error'
  | (string & {});

export declare class SocketServeError extends Error {
  constructor(code: string, message: string, status?: number);
  readonly name: 'SocketServeError';
  readonly code: SocketServeErrorCode;
  /** HTTP status when the server answered with an error. */
  readonly status?: number;
  /** Milliseconds from the server's `Retry-After`, if any. */
  readonly retryAfter?: number;
}

/** Answer callback handed to handlers of events for which the server asked an acknowledgement. */
export type AckAnswer = (answer?: unknown) => void;

/**
 * Handler of a server event. When the server asks for an acknowledgement, the answer is the
 * first of: the value passed to `ack`, the (awaited) return value when not undefined, or —
 * for handlers that do not declare the `ack` parameter — the return value even if undefined
 * (sent as null).
 */
export type EventHandler = (data: any, ack: AckAnswer) => unknown;

export interface StateEvents {
  connect: () => void;
  /** reason: `'io client disconnect'`, `'unknown_session'`, `'forbidden'`, the server's reason, … */
  disconnect: (reason: string, error?: Error) => void;
  /**
   * A resume attempt is scheduled in `delay` ms. After the server's `__reconnect` (a graceful
   * shutdown: the session lives on) the attempt is immediate: `(0, 0)`.
   */
  reconnecting: (attempt: number, delay: number) => void;
  /** The same session is streaming again. */
  reconnect: () => void;
  connect_error: (error: Error) => void;
  /** The server no longer had every message after our position (`__missed`). */
  missed: (info: MissedInfo) => void;
  /**
   * A message without ack callback was rejected by the server (e.g. 400 `invalid_payload`, 413,
   * 500 `internal_error`), or queued messages were dropped when the socket closed. Without a
   * listener it is reported (`reportError` / `console.error`). Not named `error`: servers emit
   * an application event `error` (the seed's "Maximum rooms reached"), which arrives as usual.
   */
  send_error: (error: SocketServeError) => void;
}

export declare class Socket {
  constructor(url?: string, options?: ConnectOptions);
  /** Public id of the current (or last) session — safe to show to others. '' before connecting. */
  readonly id: string;
  /** True while the session's stream or poll loop is up. */
  readonly connected: boolean;
  /** The transport in use (SSE may have fallen back to polling). */
  readonly transport: Transport;
  readonly state: SocketState;

  /** Starts connecting (done by {@link connect}); after a disconnect, connects with a new session. */
  connect(): this;
  /** Ends the session (POST /disconnect), fails pending acks and queued messages. */
  disconnect(): this;

  on<E extends keyof StateEvents>(event: E, handler: StateEvents[E]): this;
  on(event: string, handler: EventHandler): this;
  once<E extends keyof StateEvents>(event: E, handler: StateEvents[E]): this;
  once(event: string, handler: EventHandler): this;
  /** Without handler removes all handlers of the event; without arguments, all handlers. */
  off(event?: string, handler?: (...args: any[]) => unknown): this;
  /** Called for every event from the server (not for state events). */
  onAny(handler: (event: string, data: any) => void): this;
  offAny(handler?: (event: string, data: any) => void): this;

  /**
   * Sends an event; one POST at a time, in order. Queued while not connected.
   * @throws SocketServeError (`queue_full`, `disconnected`) if it cannot be queued and there is no callback
   */
  emit(event: string, data?: unknown): this;
  /** The callback receives the acknowledgement, or a {@link SocketServeError} (timeout, rejection, disconnect). */
  emit(event: string, data: unknown, ack: (response: any) => void): this;
  /** Resolves with the acknowledgement; rejects with a {@link SocketServeError}. */
  emitWithAck<T = any>(event: string, data?: unknown): Promise<T>;
  /** Round trip to the server in milliseconds (a `__ping` POST that bypasses the outbox). */
  ping(): Promise<number>;
}

/**
 * Creates a socket and starts connecting.
 * @param url base URL, default `/socket`; Node.js needs an absolute URL (`http://host:port/socket`)
 */
export declare function connect(url?: string, options?: ConnectOptions): Socket;

/** Encodes Uint8Array / ArrayBuffer values as the wire's `{"$binary": base64}` (done by emit). */
export function encodeBinary(value: unknown): unknown;
/** Decodes `{"$binary": base64}` values to Uint8Array (done for received events and acks). */
export function decodeBinary(value: unknown): unknown;
