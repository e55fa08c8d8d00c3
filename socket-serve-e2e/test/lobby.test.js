// Game lobby: create a game, others join (the player list updates for everyone), start it.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeAll, countIs, launch, noProblems, online, openPage, screenshot, seeText, textIs, texts, unique } from './helpers.js';

let browser;
before(async () => {
  browser = await launch();
});
afterEach(closeAll);
after(async () => {
  await browser?.close();
});

async function lobbyUser(name) {
  const page = await openPage(browser, `/lobby.html?name=${name}`);
  await online(page);
  return page;
}

test('create a game, two others join, everyone sees the players, the host starts it', async () => {
  const gameId = unique('game');
  const ada = await lobbyUser('ada');
  const bob = await lobbyUser('bob');

  // ada creates the game: she is in it as host, bob sees it in the list
  await ada.fill('#game-id', gameId);
  await ada.click('#create');
  await textIs(ada, '#game-title', gameId);
  await textIs(ada, '#game-status', 'waiting');
  await countIs(ada, '#players li', 1);
  const row = `#games li[data-game-id="${gameId}"]`;
  await seeText(bob, row, 'hosted by ada');
  await seeText(bob, row, '1 player');

  // bob joins: both player lists show both, ada hears about it
  await bob.click(`${row} button`);
  await countIs(bob, '#players li', 2);
  await countIs(ada, '#players li', 2);
  await seeText(ada, '#game-log li', 'bob joined');
  assert.deepEqual(await texts(ada, '#players li'), ['ada (you)host', 'bob']);
  assert.deepEqual(await texts(bob, '#players li'), ['adahost', 'bob (you)']);
  await seeText(bob, '#start-hint', 'Waiting for ada to start');
  assert.equal(await bob.locator('#start').isHidden(), true, 'only the host has the start button');

  // a third player arrives later: the list in the lobby and in the game update for everyone
  const cy = await lobbyUser('cy');
  await seeText(cy, row, '2 players');
  await cy.click(`${row} button`);
  for (const page of [ada, bob, cy]) await countIs(page, '#players li', 3);
  await seeText(bob, '#players li', 'cy');

  // ada starts: everyone sees it started, in the game and in the lobby list; nobody has a start button
  await ada.click('#start');
  for (const page of [ada, bob, cy]) {
    await textIs(page, '#game-status', 'started');
    await page.locator('#started-banner').waitFor({ state: 'visible' });
    await seeText(page, `${row} .chip`, 'started');
    await page.locator('#start').waitFor({ state: 'hidden' });
  }
  await seeText(bob, '#game-log li', 'The game has started');

  // someone who only watches the lobby sees the game as started, with 3 players, and cannot join
  const dan = await lobbyUser('dan');
  await seeText(dan, row, '3 players');
  await seeText(dan, `${row} .chip`, 'started');
  assert.equal(await dan.locator(`${row} button`).isDisabled(), true);

  await screenshot(bob, 'lobby');
  for (const page of [ada, bob, cy, dan]) noProblems(page);
});

/** What a player sees of the game: title, status, banner, start button, hint, players. */
async function gameView(page) {
  return {
    title: await page.textContent('#game-title'),
    status: await page.textContent('#game-status'),
    banner: await page.locator('#started-banner').isVisible(),
    startButton: await page.locator('#start').isVisible(),
    hint: (await page.textContent('#start-hint')).trim(),
    disabledButtons: await page.locator('#game-view button:disabled').count(),
    players: (await texts(page, '#players li')).length,
  };
}

test("after the start, the host's view is the started game, as the other player's is", async () => {
  const gameId = unique('game');
  const ada = await lobbyUser('ada');
  const bob = await lobbyUser('bob');
  await ada.fill('#game-id', gameId);
  await ada.click('#create');
  await textIs(ada, '#game-title', gameId);
  await bob.click(`#games li[data-game-id="${gameId}"] button`);
  await countIs(ada, '#players li', 2);
  // before: only the host may start, and can
  assert.equal(await ada.locator('#start').isEnabled(), true);
  assert.equal(await bob.locator('#start').isHidden(), true);

  await ada.click('#start');
  for (const page of [ada, bob]) {
    await textIs(page, '#game-status', 'started');
    await page.locator('#started-banner').waitFor({ state: 'visible' });
    await page.locator('#start').waitFor({ state: 'hidden' });
  }
  const started = { title: gameId, status: 'started', banner: true, startButton: false, hint: '', disabledButtons: 0, players: 2 };
  assert.deepEqual(await gameView(ada), started, "the host's view");
  assert.deepEqual(await gameView(bob), started, "the player's view");
  await screenshot(ada, 'lobby-host-started');
  noProblems(ada);
  noProblems(bob);
});
