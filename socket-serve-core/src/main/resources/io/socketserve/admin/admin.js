// The admin page: a socket-serve client of the admin namespace (token from /admin/api/token, which
// needs the page's HTTP Basic credential). The overview is pushed every publish interval; a room's
// members are asked for over the same connection; actions are POSTs to /admin/api/*.
import { connect } from '/admin/socket-serve.js';
import { LineChart } from '/admin/chart.js';

const $ = (id) => document.getElementById(id);
const charts = { events: new LineChart($('chart-events')), deliveries: new LineChart($('chart-deliveries')) };
let info = null;
let socket = null;
let selectedRoom = null;
let lastOverviewAt = 0;

// ---------------------------------------------------------------- theme
const THEME_KEY = 'socket-serve-admin-theme';
function applyTheme(theme) {
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
}
applyTheme(localStorage.getItem(THEME_KEY));
$('theme').addEventListener('click', () => {
  const current = document.documentElement.dataset.theme
    ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
  const next = current === 'dark' ? 'light' : 'dark';
  localStorage.setItem(THEME_KEY, next);
  applyTheme(next);
});

// ---------------------------------------------------------------- helpers
function setStatus(state, text = state) {
  $('status').dataset.state = state;
  $('status').textContent = text;
}
function cell(tr, text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  tr.append(td);
  return td;
}
function num(v, digits = 0) {
  return Number(v ?? 0).toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
function duration(ms) {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s % 60}s`;
  return `${s}s`;
}
function time(ms) {
  return new Date(ms).toLocaleTimeString();
}
function sessionsOf(instance) {
  const byTransport = instance.sessions ?? {};
  return instance.sessionsTotal ?? Object.values(byTransport).reduce((a, b) => a + b, 0);
}

// ---------------------------------------------------------------- overview
function renderOverview(o) {
  if (!o || !o.totals || o.generatedAt < lastOverviewAt) return;
  lastOverviewAt = o.generatedAt;
  const t = o.totals;
  $('t-instances').textContent = num(t.instances);
  $('t-sessions').textContent = num(t.sessions);
  $('t-transports').textContent = Object.entries(t.sessionsByTransport ?? {}).map(([k, v]) => `${k} ${num(v)}`).join(' · ');
  $('t-streams').textContent = num(t.streams);
  $('t-events').textContent = num(t.eventsPerSecond, 1);
  $('t-deliveries').textContent = num(t.deliveriesPerSecond, 1);
  $('t-lag').textContent = num(t.maxReaderLag);
  charts.events.push(t.eventsPerSecond);
  charts.deliveries.push(t.deliveriesPerSecond);
  $('updated').textContent = `updated ${time(o.generatedAt)}`;

  const body = $('instances').tBodies[0];
  body.replaceChildren();
  for (const i of o.instances) {
    const tr = document.createElement('tr');
    tr.dataset.instance = i.id;
    cell(tr, i.id + (info && i.id === info.instance ? ' (this page’s)' : ''));
    cell(tr, i.host);
    cell(tr, i.version);
    cell(tr, duration(i.uptimeMillis));
    cell(tr, num(sessionsOf(i)), 'num');
    cell(tr, num(i.streams), 'num');
    cell(tr, num(i.eventsPerSecond, 1), 'num');
    cell(tr, num(i.deliveriesPerSecond, 1), 'num');
    cell(tr, i.readerLag < 0 ? '?' : num(i.readerLag), 'num');
    cell(tr, i.backendReachable ? (i.readerStalled ? 'reader stalled' : 'ok') : 'unreachable', i.backendReachable && !i.readerStalled ? 'ok' : 'bad');
    body.append(tr);
  }

  const rooms = $('rooms').tBodies[0];
  rooms.replaceChildren();
  for (const r of o.rooms) {
    const tr = document.createElement('tr');
    tr.dataset.room = r.name;
    if (r.name === selectedRoom) tr.classList.add('selected');
    cell(tr, r.name);
    cell(tr, num(r.members), 'num members');
    tr.addEventListener('click', () => showRoom(r.name));
    rooms.append(tr);
  }
  $('rooms-note').textContent = o.rooms.length ? `largest ${o.rooms.length}` : 'none with members';

  const errors = $('errors');
  errors.replaceChildren();
  for (const e of o.errors) {
    const li = document.createElement('li');
    const kind = document.createElement('span');
    kind.className = 'kind';
    kind.textContent = e.kind;
    li.append(kind, `${time(e.at)} · ${e.instance} · ${e.message}`);
    errors.append(li);
  }
  if (!o.errors.length) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = 'No recent errors.';
    errors.append(li);
  }
  if (selectedRoom) refreshRoom();
}

// ---------------------------------------------------------------- a room
function showRoom(name) {
  selectedRoom = name;
  $('room-panel').hidden = false;
  $('room-title').textContent = name;
  for (const tr of $('rooms').tBodies[0].rows) tr.classList.toggle('selected', tr.dataset.room === name);
  refreshRoom();
}

async function refreshRoom() {
  if (!socket || !selectedRoom) return;
  const name = selectedRoom;
  let room;
  try {
    room = await socket.emitWithAck('room', { name });
  } catch (err) {
    $('action-result').textContent = `Could not read room ${name}: ${err.message}`;
    return;
  }
  if (name !== selectedRoom) return;
  if (room.error) {
    $('action-result').textContent = `Could not read room ${name}: ${room.message ?? room.error}`;
    return;
  }
  $('room-count').textContent = `${num(room.members)} member${room.members === 1 ? '' : 's'}`;
  const body = $('members').tBodies[0];
  body.replaceChildren();
  for (const m of room.list) {
    const tr = document.createElement('tr');
    tr.dataset.session = m.id;
    cell(tr, m.id).className = 'session';
    cell(tr, m.transport ?? '–', 'transport');
    cell(tr, time(m.connectedSince));
    cell(tr, m.rooms.join(', '));
    const actions = cell(tr, '', 'actions-col');
    const leave = document.createElement('button');
    leave.textContent = 'Leave room';
    leave.className = 'leave';
    leave.addEventListener('click', () => act('leave', { id: m.id, room: name }));
    const kick = document.createElement('button');
    kick.textContent = 'Disconnect';
    kick.className = 'disconnect danger';
    kick.addEventListener('click', () => act('disconnect', { id: m.id }));
    actions.append(leave, ' ', kick);
    body.append(tr);
  }
  const presence = $('presence');
  presence.replaceChildren();
  for (const p of room.presence) {
    const li = document.createElement('li');
    li.textContent = `${p.userId} · ${p.sessions} session${p.sessions === 1 ? '' : 's'} · ${JSON.stringify(p.state)}`;
    presence.append(li);
  }
  if (!room.presence.length) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = 'Nobody tracked in this room.';
    presence.append(li);
  }
}

$('room-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const name = $('room-name').value.trim();
  if (name) showRoom(name);
});

// ---------------------------------------------------------------- actions
async function act(action, body) {
  const out = $('action-result');
  try {
    const res = await fetch(`/admin/api/${action}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      cache: 'no-store',
    });
    const answer = await res.json().catch(() => ({}));
    out.className = res.ok ? 'ok' : 'bad';
    out.textContent = res.ok ? `${action}: done` : `${action}: ${answer.error ?? res.status} — ${answer.message ?? ''}`;
  } catch (err) {
    out.className = 'bad';
    out.textContent = `${action}: ${err.message}`;
  }
  refreshRoom();
}

$('broadcast-form').addEventListener('submit', (e) => {
  e.preventDefault();
  let data;
  const text = $('broadcast-data').value.trim();
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    $('action-result').className = 'bad';
    $('action-result').textContent = 'The data is not valid JSON.';
    return;
  }
  act('broadcast', { room: selectedRoom, event: $('broadcast-event').value.trim(), data });
});

// ---------------------------------------------------------------- connection
async function fetchToken() {
  const res = await fetch('/admin/api/token', { cache: 'no-store' });
  if (!res.ok) throw new Error(`token: HTTP ${res.status}`);
  return res.json();
}

async function start() {
  try {
    info = await fetchToken();
  } catch (err) {
    setStatus('error', err.message);
    setTimeout(start, 3000);
    return;
  }
  document.body.classList.toggle('read-only', info.readOnly);
  $('mode').textContent = info.readOnly ? 'read-only' : 'actions enabled';
  $('mode').dataset.mode = info.readOnly ? 'read-only' : 'actions';
  const s = connect(info.basePath, { namespace: info.namespace, auth: { token: info.token } });
  socket = s;
  s.on('overview', renderOverview);
  s.on('connect', () => {
    setStatus('online');
    s.emitWithAck('overview').then(renderOverview, () => {});
  });
  s.on('reconnect', () => setStatus('online'));
  s.on('reconnecting', () => setStatus('connecting', 'reconnecting'));
  s.on('disconnect', (reason) => {
    setStatus('offline', `offline (${reason})`);
    if (socket === s) {
      socket = null;
      setTimeout(start, 1000); // a new session, with a new token
    }
  });
  s.on('connect_error', (err) => {
    if (err?.code === 'unauthorized' && socket === s) {
      socket = null;
      s.disconnect();
      setTimeout(start, 500); // the token expired: fetch a new one
    }
  });
}

start();
