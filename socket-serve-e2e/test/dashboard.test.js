// Live dashboard: subscriptions to a department (and a team), metric updates reach only the
// subscribed groups, the chart follows.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeAll, countIs, launch, noProblems, online, openPage, screenshot, seeText, textIs, texts } from './helpers.js';

let browser;
before(async () => {
  browser = await launch();
});
afterEach(closeAll);
after(async () => {
  await browser?.close();
});

async function subscribe(page, department, team = '') {
  await page.selectOption('#department', department);
  await page.selectOption('#team', team);
  await page.click('#subscribe');
}

async function publish(page, scope, metric, value) {
  await page.selectOption('#scope', scope);
  await page.selectOption('#metric', metric);
  await page.fill('#value', String(value));
  await page.click('#publish');
}

const tile = (metric) => `#tiles li[data-metric="${metric}"] .metric-value`;

test('metric updates reach only the subscribed department and team; the chart updates live', async () => {
  const eng = await openPage(browser, '/dashboard.html');
  const sales = await openPage(browser, '/dashboard.html');
  await online(eng);
  await online(sales);

  // eng: a department and one of its teams; sales: a department only
  await subscribe(eng, 'engineering', 'backend');
  await seeText(eng, '#subscriptions li', 'dept:engineering');
  await seeText(eng, '#subscriptions li', 'team:backend');
  await subscribe(sales, 'sales');
  await seeText(sales, '#subscriptions li', 'dept:sales');
  assert.deepEqual(await texts(sales, '#subscriptions li'), ['dept:sales']);

  // sales publishes to engineering's team, to its own department, then to engineering
  await publish(sales, 'team:backend', 'latency ms', 120);
  await publish(sales, 'department:sales', 'revenue', 5000);
  await publish(sales, 'department:engineering', 'requests/s', 42);
  await textIs(eng, tile('latency ms'), '120');
  await textIs(eng, tile('requests/s'), '42');
  await textIs(sales, tile('revenue'), '5,000');
  // eng got 'requests/s' after 'revenue' was sent, in one ordered log: it would have had it by now
  await countIs(eng, '#tiles li[data-metric="revenue"]', 0);

  // eng publishes to sales and to another engineering team it is not in
  await publish(eng, 'team:frontend', 'errors', 3);
  await publish(eng, 'department:sales', 'revenue', 7250.5);
  await textIs(sales, tile('revenue'), '7,250.5');
  assert.deepEqual(await texts(sales, '#tiles .metric-name'), ['revenue'], 'sales saw only its own department');

  // a series of updates: the chart of the selected metric grows point by point
  for (const v of [38, 51, 47, 63, 58, 72, 69]) await publish(sales, 'department:engineering', 'requests/s', v);
  await textIs(eng, tile('requests/s'), '69');
  // (sent after eng's own 'errors' to team:frontend and 'revenue' to sales: those never came)
  assert.deepEqual(await texts(eng, '#tiles .metric-name'), ['latency ms', 'requests/s'], 'eng saw only its groups');
  await eng.click('#tiles li[data-metric="requests/s"]');
  await eng.waitForFunction(() => document.getElementById('chart').dataset.points === '8');
  const points = (await eng.locator('#chart-line').getAttribute('points')).trim().split(/\s+/);
  assert.equal(points.length, 8, 'one chart point per update');
  await seeText(eng, '#chart-title', 'requests/s — last 8 values');
  await textIs(eng, '#update-count', '9');
  await textIs(sales, '#update-count', '2');

  await screenshot(eng, 'dashboard');
  noProblems(eng);
  noProblems(sales);
});
