// Small helpers shared by the demo pages (not part of the client library).

/** document.getElementById */
export const $ = (id) => document.getElementById(id);

/** Creates an element: h('li', { class: 'x', dataset: { id } }, 'text', child, …). */
export function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v == null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v === true) e.setAttribute(k, '');
    else e.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c != null && c !== false) e.append(c instanceof Node ? c : String(c));
  return e;
}

/**
 * Resolves the user's display name: `?name=` in the URL, else a "pick a name" card shown in
 * `#login` (remembered in localStorage). The server keeps it with the session (auth.name).
 */
export function pickName() {
  const fromUrl = new URLSearchParams(location.search).get('name')?.trim();
  if (fromUrl) return Promise.resolve(fromUrl.slice(0, 32));
  const card = $('login');
  const input = $('name');
  input.value = localStorage.getItem('socket-serve-demo-name') ?? '';
  card.hidden = false;
  input.focus();
  return new Promise((resolve) => {
    $('login-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const name = input.value.trim();
      if (!name) return;
      localStorage.setItem('socket-serve-demo-name', name);
      card.hidden = true;
      resolve(name);
    });
  });
}

/**
 * Client options from the page's URL: `?transport=polling` forces long-polling (to try the
 * fallback transport by hand; the browser tests use it too).
 */
export function clientOptions(extra = {}) {
  const transport = new URLSearchParams(location.search).get('transport');
  return transport === 'polling' || transport === 'sse' ? { ...extra, transport } : extra;
}

/** Mirrors the socket's state in the header's status pill (`#status`). */
export function trackStatus(socket, el = $('status')) {
  const set = (state, text) => {
    el.dataset.state = state;
    el.textContent = text;
  };
  set('connecting', 'connecting…');
  socket.on('connect', () => set('online', 'online'));
  socket.on('reconnecting', () => set('reconnecting', 'reconnecting…'));
  socket.on('reconnect', () => set('online', 'online'));
  socket.on('disconnect', (reason) => set('offline', `offline (${reason})`));
  socket.on('connect_error', () => {
    if (!socket.connected) set('reconnecting', 'reconnecting…');
  });
  window.addEventListener('pagehide', () => socket.disconnect());
  // back from the back/forward cache: the session was ended on pagehide, start afresh
  window.addEventListener('pageshow', (e) => {
    if (e.persisted) location.reload();
  });
}

/** Where a tab remembers the public ids it has had (sessionStorage: per tab, kept across reloads). */
const MY_IDS_KEY = 'socket-serve-demo-ids';
const MAX_MY_IDS = 20;

function loadMyIds() {
  try {
    const ids = JSON.parse(sessionStorage.getItem(MY_IDS_KEY) ?? '[]');
    return Array.isArray(ids) ? ids.filter((i) => typeof i === 'string').slice(-MAX_MY_IDS) : [];
  } catch {
    return [];
  }
}

/**
 * Display names of public ids, asked from the server (`names`) in batches and cached. `label(id)`
 * answers at once (a short id until the name is known); `onChange` runs when names arrive.
 *
 * Every id this tab's socket has had counts as "you": a server restart (in memory) or a lost
 * session gives the page a new `socket.id`, and the lines written under the old one are still
 * the user's own (`isMine`). The last few ids are kept in sessionStorage, so a reload keeps them.
 */
export class Names {
  #socket;
  #known = new Map();
  #asked = new Set();
  #batch = null;
  #mine = new Set(loadMyIds());
  onChange = () => {};

  constructor(socket, myName) {
    this.#socket = socket;
    this.myName = myName;
    socket.on('connect', () => this.#remember(socket.id));
  }

  /** Whether `id` is (or was) this tab's own socket. */
  isMine(id) {
    return !!id && (id === this.#socket.id || this.#mine.has(id));
  }

  #remember(id) {
    if (!id || this.#mine.has(id)) return;
    this.#mine.add(id);
    const ids = [...this.#mine].slice(-MAX_MY_IDS);
    this.#mine = new Set(ids);
    try {
      sessionStorage.setItem(MY_IDS_KEY, JSON.stringify(ids));
    } catch {
      // storage full or disabled: remembered for this page only
    }
  }

  set(id, name) {
    if (id && name && this.#known.get(id) !== name) {
      this.#known.set(id, name);
      this.onChange();
    }
  }

  /** A span showing `label(id)`, updated by {@link refresh} when the name arrives. */
  span(id) {
    return h('span', { dataset: { who: id } }, this.label(id));
  }

  /** Updates every {@link span} below `root`. */
  refresh(root = document) {
    for (const el of root.querySelectorAll('[data-who]')) el.textContent = this.label(el.dataset.who);
  }

  label(id) {
    if (this.isMine(id)) return `${this.myName} (you)`;
    const name = this.#known.get(id);
    if (name) return name;
    this.#ask(id);
    return `user-${String(id).slice(0, 6)}`;
  }

  #ask(id) {
    if (this.#asked.has(id) || !id) return;
    this.#asked.add(id);
    if (!this.#batch) {
      this.#batch = new Set();
      queueMicrotask(() => {
        const ids = [...this.#batch];
        this.#batch = null;
        this.#socket.emitWithAck('names', { ids }).then(
          (reply) => {
            for (const [i, n] of Object.entries(reply?.names ?? {})) this.set(i, n);
          },
          () => ids.forEach((i) => this.#asked.delete(i)),
        );
      });
    }
    this.#batch.add(id);
  }
}

/** A stable colour per id (cursors, avatars). */
export function colorOf(id) {
  let hash = 0;
  for (const c of String(id)) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return `hsl(${hash % 360} 65% 45%)`;
}

/** Appends a line (text, nodes or an array of both) to a log list, keeping it scrolled to the bottom. */
export function logTo(list, content, cls = 'system') {
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const li = h('li', { class: cls }, content);
  list.append(li);
  if (atBottom) list.scrollTop = list.scrollHeight;
  return li;
}
