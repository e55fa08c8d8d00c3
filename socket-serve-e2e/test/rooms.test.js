// The rooms page: a private room (invited participant joins, uninvited one gets "Access denied"),
// the room limit (the 11th join gets "Maximum rooms reached") and dynamic rooms (a name is taken once).
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeAll, countIs, launch, noProblems, online, openPage, screenshot, seeText, textIs, unique } from './helpers.js';

let browser;
before(async () => {
  browser = await launch();
});
afterEach(closeAll);
after(async () => {
  await browser?.close();
});

async function roomsUser(name) {
  const page = await openPage(browser, `/rooms.html?name=${name}`);
  await online(page);
  return page;
}

test('private room: the invited participant joins, an uninvited one is denied', async () => {
  const ada = await roomsUser('ada');
  const bob = await roomsUser('bob');
  const eve = await roomsUser('eve');
  await seeText(ada, '#people li', 'bob');
  await seeText(ada, '#people li', 'eve');

  // ada invites bob only
  await ada.locator('#people li', { hasText: 'bob' }).locator('input[type=checkbox]').check();
  await ada.click('#create-private');
  await seeText(ada, '#private-log li.ok', 'Private room created: private:');
  const roomId = (await ada.locator('#private-log li.ok').first().textContent()).match(/(private:\S+)/)[1];

  // bob gets the invitation from ada and joins
  const invitation = bob.locator(`#invitations li[data-room-id="${roomId}"]`);
  await invitation.filter({ hasText: 'ada invited you' }).waitFor();
  await invitation.locator('button').click();
  await seeText(bob, '#private-log li.ok', `You joined private room ${roomId}`);

  // eve got no invitation; trying the room id anyway is refused
  await countIs(eve, '#invitations li[data-room-id]', 0);
  await eve.fill('#private-room-id', roomId);
  await eve.click('#join-private-form button');
  await seeText(eve, '#private-log li.bad', 'Access denied');
  await countIs(eve, '#private-log li.ok', 0);

  await screenshot(bob, 'rooms-private');
  for (const page of [ada, bob, eve]) noProblems(page);
});

test('room limit: ten rooms are fine, the eleventh is refused with "Maximum rooms reached"', async () => {
  const page = await roomsUser('lim');
  for (let n = 1; n <= 10; n++) {
    await page.click('#join-next');
    await textIs(page, '#room-count', String(n));
  }
  await countIs(page, '#limit-rooms li', 10);
  assert.equal(await page.locator('#limit-error').isHidden(), true);
  await page.click('#join-next');
  await textIs(page, '#limit-error', 'Maximum rooms reached');
  await textIs(page, '#room-count', '10');
  await countIs(page, '#limit-rooms li', 10);
  await screenshot(page, 'rooms-limit');
  noProblems(page);
});

test('dynamic rooms: a name can be created once; the second creator hears "Room exists"', async () => {
  const room = unique('book-club');
  const ada = await roomsUser('ada');
  const bob = await roomsUser('bob');
  await ada.fill('#dyn-name', room);
  await ada.fill('#dyn-topic', 'novels');
  await ada.click('#dyn-create');
  await seeText(ada, '#dyn-log li.ok', `Created room "${room}"`);
  await bob.fill('#dyn-name', room);
  await bob.click('#dyn-create');
  await seeText(bob, '#dyn-log li.bad', 'Room exists');
  await countIs(bob, '#dyn-log li.ok', 0);
  await screenshot(bob, 'rooms');
  noProblems(ada);
  noProblems(bob);
});
