// The server instance is killed mid-chat and a new one starts on the same port and the same Redis:
// the chat pages recover by themselves, on the same sessions, and no message is lost or doubled.
//
// Needs RESTART_DEMO_URL (a Redis-backed demo instance), RESTART_MEMORY_DEMO_URL (an in-memory one)
// and CONTROL_URL (POST /redis/kill, /redis/start, /memory/kill, /memory/start: stops an instance /
// starts a new one on the same port), all set by BrowserIT.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chatLines, chatUser, closeAll, launch, noProblems, online, say, screenshot, seeText, texts, unique } from './helpers.js';

const RESTART_URL = (process.env.RESTART_DEMO_URL ?? '').replace(/\/+$/, '');
const MEMORY_URL = (process.env.RESTART_MEMORY_DEMO_URL ?? '').replace(/\/+$/, '');
const CONTROL_URL = (process.env.CONTROL_URL ?? '').replace(/\/+$/, '');

let browser;
before(async () => {
  browser = await launch();
});
afterEach(closeAll);
after(async () => {
  await browser?.close();
});

/** `target` 'redis' or 'memory', `action` 'kill' or 'start'. */
async function control(target, action) {
  const res = await fetch(`${CONTROL_URL}/${target}/${action}`, { method: 'POST' });
  assert.equal(res.status, 200, `${action}: ${await res.text()}`);
}

/**
 * Waits until every message line is labelled by its author, known from the text's "(ada)" suffix:
 * `labels` maps the author to the label expected on this page; own lines ("… (you)") are `.mine`.
 */
async function labelsAre(page, labels) {
  try {
    await page.waitForFunction(
      (want) =>
        [...document.querySelectorAll('#messages li.msg')].every((li) => {
          const author = /\((\w+)\)$/.exec(li.querySelector('.text').textContent)?.[1];
          const label = want[author];
          return li.querySelector('.author').textContent === label && li.classList.contains('mine') === label.endsWith('(you)');
        }),
      labels,
    );
  } catch {
    assert.fail(`labels on ${await page.locator('#me-name').textContent()}'s page: ${JSON.stringify(await chatLines(page))}`);
  }
}

/** Waits until the page shows exactly these messages (in any order between authors), each once. */
async function messagesAre(page, expected) {
  const want = [...expected].sort();
  try {
    await page.waitForFunction(
      (w) => JSON.stringify([...document.querySelectorAll('#messages li.msg .text')].map((e) => e.textContent).sort()) === JSON.stringify(w),
      want,
    );
  } catch {
    assert.deepEqual((await texts(page, '#messages li.msg .text')).sort(), want, `messages on ${await page.locator('#me-name').textContent()}'s page`);
  }
}

test('kill and restart the server mid-chat (SSE and polling): the pages resume their sessions, nothing lost or doubled', async (t) => {
  if (!RESTART_URL || !CONTROL_URL) {
    t.skip('RESTART_DEMO_URL / CONTROL_URL not set (BrowserIT sets them)');
    return;
  }
  const channel = unique('restart');
  const ada = await chatUser(browser, 'ada', channel, RESTART_URL);
  // ada streams (SSE), bob long-polls: both transports resume
  const bob = await chatUser(browser, 'bob', channel, RESTART_URL, '?transport=polling');
  await seeText(ada, '#members li', 'bob');
  const ids = { ada: await ada.textContent('#me-id'), bob: await bob.textContent('#me-id') };

  await say(ada, 'before 1 (ada)');
  await say(bob, 'before 2 (bob)');
  for (const page of [ada, bob]) await messagesAre(page, ['before 1 (ada)', 'before 2 (bob)']);

  // the instance dies: both pages notice and keep trying
  await control('redis', 'kill');
  for (const page of [ada, bob]) await page.locator('#status[data-state="reconnecting"]').waitFor();

  // people keep typing while it is down: the client queues the messages
  await say(ada, 'during 1 (ada)');
  await say(bob, 'during 2 (bob)');
  await say(ada, 'during 3 (ada)');

  // a new instance on the same port and the same Redis: the pages come back by themselves
  const reopened = ada.waitForResponse((r) => r.url().includes('/sse') && !r.url().includes('transport=polling'));
  await control('redis', 'start');
  for (const page of [ada, bob]) await online(page);
  // this instance gzips event streams (BrowserIT): Chromium's EventSource reads them as they come
  const stream = await reopened;
  assert.equal((await stream.allHeaders())['content-encoding'], 'gzip', 'the resumed event stream is gzip-encoded');
  const all = ['before 1 (ada)', 'before 2 (bob)', 'during 1 (ada)', 'during 2 (bob)', 'during 3 (ada)'];
  for (const page of [ada, bob]) await messagesAre(page, all);

  // same sessions (resumed, not replaced), same channel membership, one author's messages in order
  assert.equal(await ada.textContent('#me-id'), ids.ada, "ada's page resumed its session");
  assert.equal(await bob.textContent('#me-id'), ids.bob, "bob's page resumed its session");
  for (const page of [ada, bob]) {
    const shown = await texts(page, '#messages li.msg .text');
    assert.ok(shown.indexOf('during 1 (ada)') < shown.indexOf('during 3 (ada)'), `ada's messages in order: ${shown}`);
    assert.ok(shown.indexOf('before 2 (bob)') < shown.indexOf('during 2 (bob)'), `bob's messages in order: ${shown}`);
  }

  // and the chat goes on live
  await say(bob, 'after (bob)');
  for (const page of [ada, bob]) await messagesAre(page, [...all, 'after (bob)']);
  await seeText(ada, '#members li', 'bob');
  // everyone's own lines, from before and after the restart, still say "(you)"
  await labelsAre(ada, { ada: 'ada (you)', bob: 'bob' });
  await labelsAre(bob, { ada: 'ada', bob: 'bob (you)' });

  // someone joining now, served by the new instance, is shown the channel's history from the
  // log in Redis: every message so far, in the order the others saw them, labelled by name
  const cy = await chatUser(browser, 'cy', channel, RESTART_URL);
  await messagesAre(cy, [...all, 'after (bob)']);
  assert.deepEqual(await texts(cy, '#messages li.msg .text'), await texts(ada, '#messages li.msg .text'), 'the history is in log order');
  await labelsAre(cy, { ada: 'ada', bob: 'bob' });
  assert.ok((await chatLines(cy)).every((l) => l.history), 'shown as history');
  noProblems(cy);
  await screenshot(ada, 'chat-after-restart');
  // the only errors allowed are the browser's own reports of refused connections while it was down
  const refused = /ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE|Failed to load resource|net::ERR_/;
  noProblems(ada, refused);
  noProblems(bob, refused);
});

test('an in-memory server restarts: the pages notice their sessions are gone, start new ones and rejoin', async (t) => {
  if (!MEMORY_URL || !CONTROL_URL) {
    t.skip('RESTART_MEMORY_DEMO_URL / CONTROL_URL not set (BrowserIT sets them)');
    return;
  }
  const channel = unique('amnesia');
  const ada = await chatUser(browser, 'ada', channel, MEMORY_URL);
  const bob = await chatUser(browser, 'bob', channel, MEMORY_URL, '?transport=polling');
  await seeText(ada, '#members li', 'bob');
  await say(ada, 'before (ada)');
  await messagesAre(bob, ['before (ada)']);
  const ids = { ada: await ada.textContent('#me-id'), bob: await bob.textContent('#me-id') };

  await control('memory', 'kill');
  for (const page of [ada, bob]) await page.locator('#status[data-state="reconnecting"]').waitFor();
  await control('memory', 'start');

  // the new server does not know the sessions: each page gets a new one and rejoins the channel
  for (const page of [ada, bob]) {
    await online(page);
    await seeText(page, '#messages li.system', 'back in #' + channel);
  }
  await ada.waitForFunction((old) => document.getElementById('me-id').textContent !== old, ids.ada);
  await bob.waitForFunction((old) => document.getElementById('me-id').textContent !== old, ids.bob);
  for (const page of [ada, bob]) {
    await seeText(page, '#members li', 'ada');
    await seeText(page, '#members li', 'bob');
  }
  // the conversation goes on, both ways
  await say(bob, 'after (bob)');
  await say(ada, 'after (ada)');
  for (const page of [ada, bob]) await messagesAre(page, ['before (ada)', 'after (bob)', 'after (ada)']);
  // ada's line from her first session is still hers (it said "user-…" once the labels were refreshed),
  // bob's page still names her
  await labelsAre(ada, { ada: 'ada (you)', bob: 'bob' });
  await labelsAre(bob, { ada: 'ada', bob: 'bob (you)' });
  const refused = /ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE|Failed to load resource|net::ERR_/;
  noProblems(ada, refused);
  noProblems(bob, refused);
});
