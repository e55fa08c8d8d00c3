// The landing page links every demo page; each page loads its client and connects without errors.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeAll, DEMO_URL, launch, noProblems, online, openPage, screenshot } from './helpers.js';

let browser;
before(async () => {
  browser = await launch();
});
afterEach(closeAll);
after(async () => {
  await browser?.close();
});

const PAGES = ['/chat.html', '/lobby.html', '/dashboard.html', '/editor.html', '/rooms.html'];

test('the landing page links every demo page, and each of them connects', async () => {
  const page = await openPage(browser, '/');
  const links = await page.locator('.tiles a').evaluateAll((as) => as.map((a) => new URL(a.href).pathname));
  assert.deepEqual(links, PAGES);
  await screenshot(page, 'index');
  noProblems(page);

  for (const path of PAGES) {
    await page.click(`.nav a[href="${path}"]`);
    await page.waitForURL(`**${path}`);
    const login = page.locator('#login-form');
    if (await login.isVisible()) {
      await page.fill('#name', 'visitor');
      await page.click('#login-form button');
    }
    await online(page);
    noProblems(page);
  }
});

test('the client and its types are served next to the pages', async () => {
  for (const [path, type] of [
    ['/socket-serve.js', 'text/javascript'],
    ['/socket-serve.d.ts', 'text/plain'],
    ['/demo.js', 'text/javascript'],
    ['/style.css', 'text/css'],
  ]) {
    const res = await fetch(DEMO_URL + path);
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get('content-type'), new RegExp(`^${type}`), path);
    await res.arrayBuffer();
  }
});
