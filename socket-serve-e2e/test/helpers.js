// Shared by the browser tests: Debian's chromium through playwright-core (never a downloaded
// browser), one browser per test file, one context per simulated user.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const DEMO_URL = (process.env.DEMO_URL ?? '').replace(/\/+$/, '');
export const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ?? '';
/** How long a condition may take to become true. Conditions are awaited, never slept for. */
export const TIMEOUT = Number(process.env.E2E_TIMEOUT ?? 15000);

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Fails with a clear message when the environment is not set up (run via BrowserIT or ./test.sh). */
export function requireSetup(url = DEMO_URL) {
  assert.ok(url, 'DEMO_URL is not set: run these tests through BrowserIT (mvn verify) or set DEMO_URL=http://127.0.0.1:PORT');
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: run ./test.sh, which installs Debian's chromium`);
}

/** Launches headless Chromium (playwright gives every launch a fresh temporary user-data-dir). */
export async function launch() {
  requireSetup();
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/**
 * A new user: a fresh browser context (own storage, own session) with one page at `path`.
 * Page errors and console errors are collected in `page.problems` (checked by {@link noProblems}).
 */
const contexts = new Set();

export async function openPage(browser, path, { base = DEMO_URL, viewport = { width: 1280, height: 800 } } = {}) {
  const context = await browser.newContext({ viewport });
  contexts.add(context);
  context.on('close', () => contexts.delete(context));
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (err) => page.problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') page.problems.push(`console: ${msg.text()}`);
  });
  await page.goto(base + path);
  return page;
}

/** Closes every context opened by {@link openPage} (the users leave: their pages disconnect). */
export async function closeAll() {
  await Promise.all([...contexts].map((c) => c.close().catch(() => {})));
}

/** Asserts that the page logged no error (optionally ignoring messages that match `allowed`). */
export function noProblems(page, allowed = null) {
  const left = page.problems.filter((p) => !(allowed && allowed.test(p)));
  assert.deepEqual(left, [], `errors on ${page.url()}`);
}

/** Waits until `selector` matches an element containing `text`. */
export async function seeText(page, selector, text) {
  await page.locator(selector, { hasText: text }).first().waitFor({ state: 'visible' });
}

/** Waits until the element's trimmed text equals `text`. */
export async function textIs(page, selector, text) {
  try {
    await page.waitForFunction(
      ([sel, want]) => document.querySelector(sel)?.textContent.trim() === want,
      [selector, text],
      { timeout: TIMEOUT },
    );
  } catch (err) {
    const got = await page.locator(selector).first().textContent().catch(() => '(missing)');
    throw new Error(`${selector}: expected text ${JSON.stringify(text)}, got ${JSON.stringify(got?.trim())} (${err.message.split('\n')[0]})`);
  }
}

/** Waits until `selector` matches exactly `n` elements. */
export async function countIs(page, selector, n) {
  try {
    await page.waitForFunction(([sel, want]) => document.querySelectorAll(sel).length === want, [selector, n], { timeout: TIMEOUT });
  } catch (err) {
    const got = await page.locator(selector).count();
    throw new Error(`${selector}: expected ${n} element(s), got ${got} (${err.message.split('\n')[0]})`);
  }
}

/** The trimmed texts of every element matching `selector`. */
export async function texts(page, selector) {
  return (await page.locator(selector).allTextContents()).map((t) => t.trim());
}

/** Waits for the header's status pill to say `online`. */
export async function online(page) {
  await page.locator('#status[data-state="online"]').waitFor();
}

/** Saves a PNG of the page to $SCREENSHOT_DIR (when set) and returns its path. */
export async function screenshot(page, name) {
  if (!SCREENSHOT_DIR) return null;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** A short random suffix so reruns against the same server never collide. */
export function unique(prefix) {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Opens the chat as `name` and joins `channel`. */
export async function chatUser(browser, name, channel, base, query = '') {
  const page = await openPage(browser, `/chat.html${query}`, base ? { base } : undefined);
  await page.fill('#name', name);
  await page.click('#login-form button');
  await online(page);
  await page.fill('#channel', channel);
  await page.click('#join-form button');
  await seeText(page, '#current', `# ${channel}`);
  await seeText(page, '#members li.self', `${name} (you)`);
  return page;
}

/** Sends a chat message from the page's input; resolves once the client has taken it (sent or queued). */
export async function say(page, text) {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
  await page.waitForFunction(() => document.getElementById('text').value === '');
}

/** The chat's message lines as {author, text, mine, history}, top to bottom. */
export async function chatLines(page) {
  return page.locator('#messages li.msg').evaluateAll((lis) =>
    lis.map((li) => ({
      author: li.querySelector('.author').textContent,
      text: li.querySelector('.text').textContent,
      mine: li.classList.contains('mine'),
      history: li.classList.contains('history'),
    })),
  );
}
