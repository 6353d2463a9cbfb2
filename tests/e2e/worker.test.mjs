// On the CPU the students train in a background worker, so the page's own thread only draws: a
// text transformer (a tenth of a second per step) trains while the T slider is dragged with the
// keyboard, and the page never holds its thread for long. Without a worker the page trains by
// itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedBrowser, summary, trainTo } from './harness.mjs';

const env = sharedBrowser();

const steps = (page) => page.evaluate(() => Number(document.querySelector('#steps').textContent.match(/\d+/)[0]));

test('a text transformer trains in a background worker while T is dragged: the page keeps its thread', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(env.server.url + '#data=spam&kind=transformer');
  await page.locator('#steps[data-ready="true"]').waitFor({ timeout: 180_000 });
  await page.locator('#in-worker').waitFor({ timeout: 30_000 });
  // Long tasks (over 50 ms) on the page's thread from here on.
  await page.evaluate(() => {
    window.__long = [];
    new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__long.push(e.duration))).observe({ type: 'longtask' });
    window.__start = performance.now();
  });
  const first = await steps(page);
  await page.click('#play');
  // Trusted key presses on the slider, as a keyboard user drags it; each one shows its T.
  await page.focus('#temperature');
  let moves = 0;
  while ((await steps(page)) < first + 12) {
    const before = await page.locator('#t-value').textContent();
    await page.keyboard.press(moves % 40 < 20 ? 'ArrowRight' : 'ArrowLeft');
    await page.waitForFunction((b) => document.querySelector('#t-value').textContent !== b, before, { timeout: 5_000 });
    moves += 1;
    await page.waitForTimeout(40);
  }
  await page.click('#play');
  const { long, elapsed } = await page.evaluate(() => ({ long: window.__long, elapsed: performance.now() - window.__start }));
  const busy = long.reduce((a, b) => a + b, 0);
  console.log(`# ${(await steps(page)) - first} text steps in ${(elapsed / 1000).toFixed(1)} s, ${moves} slider moves; long tasks on the page's thread: ${long.length}, ${busy.toFixed(0)} ms in all, longest ${Math.max(0, ...long).toFixed(0)} ms`);
  // Training on the page's thread would fill most of the time with long tasks (a step of both
  // students is one); in the worker only the drawing is left.
  assert.ok(busy < 0.25 * elapsed, `${busy.toFixed(0)} ms of long tasks in ${elapsed.toFixed(0)} ms`);
  assert.ok(moves >= 5, `${moves} slider moves`);
  // The attention view follows the worker's students.
  await page.locator('#attention-student figure.attention-map').first().waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('without a worker the students train in the page itself', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.route('**/train-worker.js', (route) => route.fulfill({ status: 404, body: 'gone' }));
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(env.server.url);
  await page.locator('.bars.student').waitFor({ timeout: 120_000 });
  await trainTo(page, 50);
  const after = await summary(page);
  assert.ok(after.step >= 50 && after.distilled > 20, JSON.stringify(after));
  assert.equal(await page.locator('#in-worker').count(), 0, 'no worker claimed');
  assert.deepEqual(errors, []);
  await context.close();
});
