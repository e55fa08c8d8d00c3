// The admin page (/admin) in headless Chromium against two demo instances on one real Redis (run by
// AdminBrowserIT): HTTP Basic login, live counts as other browser contexts join a room, both instances
// on one page, and a session disconnected from the page ending its client's stream with __disconnect.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMEOUT, chatUser, closeAll, launch, noProblems, openPage, screenshot, textIs, unique } from '../test/helpers.js';

const ADMIN_URL = (process.env.ADMIN_URL ?? '').replace(/\/+$/, '');
const OTHER_URL = (process.env.OTHER_URL ?? '').replace(/\/+$/, '');
const PASSWORD = process.env.ADMIN_PASSWORD ?? '';
const INSTANCES = (process.env.ADMIN_INSTANCES ?? '').split(',').filter(Boolean);

let browser;
const adminContexts = new Set();

before(async () => {
  assert.ok(ADMIN_URL && OTHER_URL && PASSWORD, 'ADMIN_URL, OTHER_URL and ADMIN_PASSWORD are set by AdminBrowserIT');
  browser = await launch();
});
afterEach(async () => {
  await Promise.all([...adminContexts].map((c) => c.close().catch(() => {})));
  adminContexts.clear();
  await closeAll();
});
after(async () => {
  await browser?.close();
});

/** A browser context with these HTTP Basic credentials (none: `null`) and a page at `path`. */
async function adminContext(credentials, { base = ADMIN_URL, path = '/admin/', colorScheme = 'light' } = {}) {
  const context = await browser.newContext({
    viewport: { width: 1360, height: 1000 },
    colorScheme,
    ...(credentials ? { httpCredentials: credentials } : {}),
  });
  adminContexts.add(context);
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (err) => page.problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') page.problems.push(`console: ${msg.text()}`);
  });
  const response = await page.goto(base + path);
  return { page, response };
}

async function adminPage(base = ADMIN_URL, colorScheme = 'light') {
  const { page, response } = await adminContext({ username: 'admin', password: PASSWORD }, { base, colorScheme });
  assert.equal(response.status(), 200);
  await page.locator('#status[data-state="online"]').waitFor();
  return page;
}

/** Waits until the admin page lists `room` with `n` members. */
async function roomShows(page, room, n) {
  await textIs(page, `#rooms tr[data-room="${room}"] .members`, String(n));
}

/** What `fetch(path)` answers inside a page of this context that needs no login (the chat page). */
async function fetchFrom(credentials, path) {
  const { page } = await adminContext(credentials, { path: '/chat.html' });
  // Without a credential of its own, a request must not wait for a login dialog headless Chromium
  // never shows: 'omit' makes Chromium hand the 401 to the page instead.
  return page.evaluate(async ([p, omit]) => {
    const r = await fetch(p, { cache: 'no-store', credentials: omit ? 'omit' : 'same-origin' });
    return { status: r.status, challenge: r.headers.get('www-authenticate'), body: await r.json() };
  }, [path, credentials === null]);
}

test('login is required: no credential and a wrong one get 401 with a Basic challenge', async () => {
  for (const credentials of [null, { username: 'admin', password: 'not the password' }, { username: 'root', password: PASSWORD }]) {
    for (const path of ['/admin/', '/admin/api/overview', '/admin/api/token']) {
      const answer = await fetchFrom(credentials, path);
      assert.equal(answer.status, 401, `${path} with ${JSON.stringify(credentials)}`);
      assert.match(answer.challenge ?? '', /^Basic realm="socket-serve admin"/);
      assert.equal(answer.body.error, 'unauthorized');
    }
    // Navigating to the page is refused as well: a 401, or (no credential at all: headless Chromium
    // cannot show a login dialog) a failed navigation.
    const navigation = await adminContext(credentials).then(
      ({ response }) => response.status(),
      (err) => (/ERR_INVALID_AUTH_CREDENTIALS/.test(err.message) ? 'refused' : err.message),
    );
    assert.ok(navigation === 401 || navigation === 'refused', `navigation with ${JSON.stringify(credentials)}: ${navigation}`);
  }
  const page = await adminPage();
  await textIs(page, '#mode', 'actions enabled');
  noProblems(page);
});

test('both instances on the Redis show up on one page, whichever instance serves it', async () => {
  for (const base of [ADMIN_URL, OTHER_URL]) {
    const page = await adminPage(base);
    await page.waitForFunction((n) => document.querySelectorAll('#instances tbody tr').length === n, INSTANCES.length);
    const ids = await page.locator('#instances tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.instance));
    assert.deepEqual([...ids].sort(), [...INSTANCES].sort());
    await textIs(page, '#t-instances', String(INSTANCES.length));
    noProblems(page);
  }
});

test('counts change live as two other browser contexts join a room (one per instance)', async () => {
  const admin = await adminPage();
  const channel = unique('ops');
  const room = `channel:${channel}`;
  const sessionsBefore = Number((await admin.locator('#t-sessions').textContent()).replace(/\D/g, '') || 0);

  const ada = await chatUser(browser, 'ada', channel, OTHER_URL);
  await roomShows(admin, room, 1);
  const bob = await chatUser(browser, 'bob', channel, ADMIN_URL);
  await roomShows(admin, room, 2);
  await admin.waitForFunction(
    (before) => Number(document.getElementById('t-sessions').textContent.replace(/\D/g, '')) >= before + 2,
    sessionsBefore,
  );

  // the room's members, with their rooms, as the page shows them
  await admin.click(`#rooms tr[data-room="${room}"]`);
  await admin.waitForFunction(() => document.querySelectorAll('#members tbody tr').length === 2);
  await textIs(admin, '#room-title', room);
  // both pages stream with EventSource: the page knows their transport, whichever instance holds them
  await admin.waitForFunction(() => [...document.querySelectorAll('#members tbody td.transport')].every((td) => td.textContent === 'sse'));
  await admin.locator('#presence li', { hasText: 'ada' }).waitFor();
  // the chart has points by now (the overview is pushed every interval)
  await admin.waitForFunction(() => document.querySelectorAll('#chart-events path.line').length === 1);
  await screenshot(admin, 'admin-overview-light');

  await admin.click('#theme');
  await admin.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
  const background = await admin.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(background, 'rgb(17, 21, 28)');
  await screenshot(admin, 'admin-overview-dark');

  for (const page of [admin, ada, bob]) noProblems(page);
});

test('the page follows prefers-color-scheme: dark', async () => {
  const page = await adminPage(ADMIN_URL, 'dark');
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(background, 'rgb(17, 21, 28)');
  noProblems(page);
});

test('disconnecting a session from the page ends that client stream with __disconnect', async () => {
  const admin = await adminPage();
  const channel = unique('kick');
  const room = `channel:${channel}`;
  // A client on the other instance, recording every frame its EventSource receives.
  const user = await openPage(browser, '/chat.html', { base: OTHER_URL });
  const id = await user.evaluate(async (channelName) => {
    const { connect } = await import('/socket-serve.js');
    window.received = [];
    class Recording extends EventSource {
      constructor(url, init) {
        super(url, init);
        this.addEventListener('message', (e) => window.received.push(e.data));
      }
    }
    const socket = connect('/socket', { EventSource: Recording });
    socket.on('disconnect', (reason) => {
      window.disconnectReason = reason;
    });
    await new Promise((resolve) => socket.on('connect', resolve));
    await socket.emitWithAck('joinChannel', { channelName, username: 'kick-me' });
    return socket.id;
  }, channel);

  await roomShows(admin, room, 1);
  await admin.click(`#rooms tr[data-room="${room}"]`);
  const row = admin.locator(`#members tr[data-session="${id}"]`);
  await row.waitFor();
  await screenshot(admin, 'admin-room');
  await row.locator('button.disconnect').click();
  await admin.locator('#action-result.ok', { hasText: 'disconnect: done' }).waitFor();

  await user.waitForFunction(() => window.received.some((d) => JSON.parse(d).event === '__disconnect'));
  await user.waitForFunction(() => window.disconnectReason !== undefined);
  // and the room empties on the page
  await admin.waitForFunction((r) => !document.querySelector(`#rooms tr[data-room="${r}"]`), room);
  noProblems(admin);
});
