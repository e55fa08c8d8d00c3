// Chat with channels: join/leave, messages, the member list, "joined"/"left" — seen by every user.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chatLines, chatUser, closeAll, countIs, launch, noProblems, say, screenshot, seeText, texts, unique } from './helpers.js';

let browser;
before(async () => {
  browser = await launch();
});
afterEach(closeAll);
after(async () => {
  await browser?.close();
});

test('two users chat in a channel: members, joined/left, messages both ways', async () => {
  const channel = unique('general');
  const ada = await chatUser(browser, 'ada', channel);
  const bob = await chatUser(browser, 'bob', channel);

  // each sees the other arrive, in the member list and as "joined"
  await seeText(ada, '#messages li.system', 'bob joined');
  await seeText(ada, '#members li', 'bob');
  await seeText(bob, '#members li', 'ada');
  await countIs(ada, '#members li', 2);
  await countIs(bob, '#members li', 2);

  // messages both ways, with the author's name
  await ada.fill('#text', 'hello from ada');
  await ada.press('#text', 'Enter');
  await seeText(bob, '#messages li.msg', 'hello from ada');
  assert.match(await bob.locator('#messages li.msg', { hasText: 'hello from ada' }).textContent(), /^ada/);
  await bob.fill('#text', 'hi ada, bob here');
  await bob.click('#send');
  await seeText(ada, '#messages li.msg:not(.mine)', 'hi ada, bob here');
  await seeText(bob, '#messages li.msg.mine', 'hi ada, bob here');

  // a third user comes and closes the window: the others see it arrive and go (disconnect cleanup)
  const cy = await chatUser(browser, 'cy', channel);
  await seeText(ada, '#members li', 'cy');
  await seeText(bob, '#messages li.system', 'cy joined');
  await countIs(cy, '#members li', 3);
  await cy.context().close();
  await seeText(ada, '#messages li.system', 'cy left');
  await seeText(bob, '#messages li.system', 'cy left');
  await countIs(ada, '#members li', 2);

  // bob leaves the channel: ada sees it, bob's view is reset, bob no longer gets messages
  await bob.click('#leave');
  await seeText(ada, '#messages li.system', 'bob left');
  await countIs(ada, '#members li', 1);
  await seeText(bob, '#current', 'Join a channel');
  await ada.fill('#text', 'anyone there?');
  await ada.press('#text', 'Enter');
  await seeText(ada, '#messages li.msg.mine', 'anyone there?');
  // bob comes back: he sees himself join, above it the channel's history (what was said while he
  // was away too), and the conversation goes on
  await bob.fill('#channel', channel);
  await bob.click('#join-form button');
  await seeText(ada, '#messages li.system', 'bob joined');
  await countIs(bob, '#members li', 2);
  await countIs(bob, '#messages li.msg.history', 3);
  assert.deepEqual(await chatLines(bob), [
    { author: 'ada', text: 'hello from ada', mine: false, history: true },
    { author: 'bob (you)', text: 'hi ada, bob here', mine: true, history: true },
    { author: 'ada', text: 'anyone there?', mine: false, history: true },
  ]);
  const order = await bob
    .locator('#messages li:not([hidden])')
    .evaluateAll((lis) => lis.map((li) => (li.classList.contains('history') ? 'history' : li.textContent)));
  assert.deepEqual(order, ['history', 'history', 'history', 'bob (you) joined'], 'the history comes before his own "joined" line');
  await bob.fill('#text', 'back again');
  await bob.press('#text', 'Enter');
  await seeText(ada, '#messages li.msg', 'back again');

  await screenshot(ada, 'chat');
  noProblems(ada);
  noProblems(bob);
});

test('a user on long-polling and a user on SSE chat together', async () => {
  const channel = unique('polling');
  const ada = await chatUser(browser, 'ada', channel, undefined, '?transport=polling');
  const bob = await chatUser(browser, 'bob', channel);
  await seeText(ada, '#me-transport', 'long-polling');
  await seeText(bob, '#me-transport', 'SSE');
  await seeText(ada, '#members li', 'bob');
  for (let i = 1; i <= 3; i++) {
    await bob.fill('#text', `sse ${i}`);
    await bob.press('#text', 'Enter');
    await ada.fill('#text', `poll ${i}`);
    await ada.press('#text', 'Enter');
  }
  await seeText(ada, '#messages li.msg', 'sse 3');
  await seeText(bob, '#messages li.msg', 'poll 3');
  const want = ['poll 1', 'poll 2', 'poll 3', 'sse 1', 'sse 2', 'sse 3'];
  for (const page of [ada, bob]) {
    await countIs(page, '#messages li.msg', 6);
    assert.deepEqual((await texts(page, '#messages li.msg .text')).sort(), want);
  }
  noProblems(ada);
  noProblems(bob);
});

test("who's here (presence): one entry per user across tabs, status changes, closed tabs leave", async () => {
  const channel = unique('presence');
  const ada = await chatUser(browser, 'ada', channel);
  const bob = await chatUser(browser, 'bob', channel);
  // each sees the other in who's here, online
  await ada.locator('#members li[data-user="bob"][data-status="online"]').waitFor();
  await bob.locator('#members li[data-user="ada"][data-status="online"]').waitFor();
  await countIs(ada, '#members li', 2);

  // ada in a second tab: still one "ada" for everyone; a status change from that tab is ada's status
  const ada2 = await chatUser(browser, 'ada', channel);
  await countIs(ada2, '#members li', 2);
  await ada2.selectOption('#presence-status', 'away');
  await bob.locator('#members li[data-user="ada"][data-status="away"]').waitFor();
  await seeText(bob, '#members li[data-user="ada"] .presence-note', 'away');
  await ada.locator('#members li.self[data-status="away"]').waitFor();
  await countIs(bob, '#members li', 2);

  // bob goes away and comes back: ada sees both
  await bob.selectOption('#presence-status', 'away');
  await ada.locator('#members li[data-user="bob"][data-status="away"]').waitFor();
  await bob.selectOption('#presence-status', 'online');
  await ada.locator('#members li[data-user="bob"][data-status="online"]').waitFor();
  await screenshot(bob, 'chat-presence');

  // closing one of ada's tabs: her session leaves, ada (her other tab) is still here
  await ada2.close();
  await bob.locator('#messages li.system', { hasText: 'ada left' }).waitFor();
  assert.deepEqual(await bob.locator('#members li').evaluateAll((lis) => lis.map((li) => li.dataset.user).sort()), ['ada', 'bob']);
  // closing her last tab: gone from who's here
  await ada.close();
  await countIs(bob, '#members li', 1);
  await bob.locator('#members li.self[data-user="bob"]').waitFor();
  noProblems(bob);
});

test("a late joiner sees the channel's earlier messages, in order, once, labelled by name; then live ones", async () => {
  const channel = unique('history');
  const ada = await chatUser(browser, 'ada', channel);
  const bob = await chatUser(browser, 'bob', channel);
  // Each line is seen back by its sender (committed to the log) before the next one is typed:
  // two people typing at once have no order the test could expect.
  await say(ada, 'one (ada)');
  await seeText(ada, '#messages li.msg', 'one (ada)');
  await say(bob, 'two (bob)');
  await seeText(bob, '#messages li.msg', 'two (bob)');
  await say(ada, 'three (ada)');
  await countIs(bob, '#messages li.msg', 3);
  // bob closes his window: his session ends, his line must still carry his name
  await bob.context().close();
  await seeText(ada, '#messages li.system', 'bob left');

  const cy = await chatUser(browser, 'cy', channel);
  await countIs(cy, '#messages li.msg', 3);
  assert.deepEqual(await chatLines(cy), [
    { author: 'ada', text: 'one (ada)', mine: false, history: true },
    { author: 'bob', text: 'two (bob)', mine: false, history: true },
    { author: 'ada', text: 'three (ada)', mine: false, history: true },
  ]);
  // the conversation goes on live, below the history, nothing doubled
  await say(ada, 'four (ada)');
  await seeText(cy, '#messages li.msg', 'four (ada)');
  await say(cy, 'five (cy)');
  await seeText(cy, '#messages li.msg.mine', 'five (cy)');
  await seeText(ada, '#messages li.msg', 'five (cy)');
  assert.deepEqual(await texts(cy, '#messages li.msg .text'), ['one (ada)', 'two (bob)', 'three (ada)', 'four (ada)', 'five (cy)']);
  assert.deepEqual((await chatLines(cy)).map((l) => l.history), [true, true, true, false, false]);
  await screenshot(cy, 'chat-history');
  noProblems(ada);
  noProblems(cy);
});

test('a late joiner is shown the last 50 messages of the channel, no more', async () => {
  const channel = unique('fifty');
  const ada = await chatUser(browser, 'ada', channel);
  for (let i = 1; i <= 55; i++) await say(ada, `m${i}`);
  await seeText(ada, '#messages li.msg', 'm55');

  const bob = await chatUser(browser, 'bob', channel);
  await countIs(bob, '#messages li.msg.history', 50);
  const want = Array.from({ length: 50 }, (_, i) => `m${i + 6}`);
  assert.deepEqual(await texts(bob, '#messages li.msg .text'), want);
  // a history only of messages: ada's "joined" line and the like are not in it
  assert.equal(await bob.locator('#messages li.system').count(), 1, 'only his own "joined" line');
  noProblems(bob);
});

test('messages sent while someone joins are shown to the joiner once each, in order', async () => {
  const channel = unique('race');
  const ada = await chatUser(browser, 'ada', channel);
  await say(ada, 'm0');
  // ada keeps talking while bob joins: some of her messages land between bob's join and the
  // history read, and reach him both ways; the page shows each once
  const talking = (async () => {
    for (let i = 1; i <= 30; i++) await say(ada, `m${i}`);
  })();
  const bob = await chatUser(browser, 'bob', channel);
  await talking;
  await seeText(bob, '#messages li.msg', 'm30');
  const want = Array.from({ length: 31 }, (_, i) => `m${i}`);
  await countIs(bob, '#messages li.msg', 31);
  assert.deepEqual(await texts(bob, '#messages li.msg .text'), want);
  noProblems(ada);
  noProblems(bob);
});
