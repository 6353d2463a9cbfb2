// On the CPU the students train in a background worker, so the page's own thread only draws: a
// text transformer (a tenth of a second per step) trains while the T slider is dragged with the
// keyboard, and the page never holds its thread for long. Without a worker the page trains by
// itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { go, sharedBrowser, summary, trainTo } from './harness.mjs';

const env = sharedBrowser();

const steps = (page) => page.evaluate(() => Number(document.querySelector('#steps').textContent.match(/\d+/)[0]));

/** The e-mails with a transformer student, the run handed to the worker; the page's errors. */
async function spamInWorker(options = {}) {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(env.server.url + '#data=spam&kind=transformer');
  await page.locator('#steps[data-ready="true"]').waitFor({ timeout: 180_000 });
  await page.locator('#in-worker').waitFor({ timeout: 30_000 });
  return { context, page, errors };
}

test('a text transformer trains in a background worker while T is dragged: the page keeps its thread', async () => {
  const { context, page, errors } = await spamInWorker();
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

/** A copy of a safetensors file with the first weight's lowest mantissa byte flipped: a teacher
 * that answers as the original does, but is not the one whose logits ship with the set. */
function anotherTeacher(bytes) {
  const copy = Buffer.from(bytes);
  const header = Number(copy.readBigUInt64LE(0));
  copy[8 + header] ^= 1;
  return copy;
}

// The shipped teacher, downloaded from Tools with one bit flipped, loaded as the teacher; then
// back to the playground.
async function loadAnotherTeacher(page) {
  await go(page, 'tools');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-teacher')]);
  const teacher = anotherTeacher(readFileSync(await download.path()));
  await page.selectOption('#load-as', 'teacher');
  await page.setInputFiles('#load-file', { name: 'another-teacher.safetensors', mimeType: 'application/octet-stream', buffer: teacher });
  await page.locator('.notices', { hasText: 'Loaded the teacher' }).waitFor({ timeout: 30_000 });
  await go(page, 'playground');
}

test('a new text teacher reads every message in the worker, with progress, and the page keeps its thread', async () => {
  const { context, page, errors } = await spamInWorker({ acceptDownloads: true });
  await page.evaluate(() => {
    window.__long = [];
    new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__long.push({ at: e.startTime, ms: e.duration }))).observe({ type: 'longtask' });
  });
  await loadAnotherTeacher(page);
  // The first pass: every message, read in the worker while the page shows how far it got.
  const reading = page.locator('#reading progress');
  await reading.waitFor({ timeout: 60_000 });
  const began = await page.evaluate(() => performance.now());
  const seen = new Set();
  while (await reading.count()) {
    // Read in one go: a locator's getAttribute would wait out its 30 s timeout for a bar that
    // went away between the two calls, and that wait was once counted as the read's.
    const value = await page.evaluate(() => document.querySelector('#reading progress')?.getAttribute('value') ?? null);
    if (value !== null) seen.add(Number(value));
    await page.waitForTimeout(100);
  }
  const read = await page.evaluate(() => performance.now());
  // The students then start under the new teacher, in the worker.
  await page.locator('#steps[data-ready="true"]').waitFor({ timeout: 60_000 });
  const ended = await page.evaluate(() => performance.now());
  const long = await page.evaluate(([a, b]) => window.__long.filter((t) => t.at >= a && t.at <= b).map((t) => t.ms), [began, ended]);
  console.log(`# first pass: ${((read - began) / 1000).toFixed(1)} s, students ready ${((ended - began) / 1000).toFixed(1)} s after it began; ${seen.size} progress values seen; long tasks on the page's thread meanwhile: ${JSON.stringify(long)}`);
  assert.ok(seen.size >= 3, `progress seen: ${[...seen]}`);
  assert.deepEqual(long, [], 'the page held its thread while the teacher read or the students were built');
  await page.locator('#in-worker').waitFor({ timeout: 30_000 });
  await trainTo(page, 5);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a worker that falls silent in the middle of a read: the page reads by itself and builds the students', async () => {
  const { context, page, errors } = await spamInWorker({ acceptDownloads: true });
  const warnings = [];
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  await loadAnotherTeacher(page);
  await page.locator('#reading progress').waitFor({ timeout: 60_000 });
  // On a phone the playground is one column, and the read is said on its first screen.
  assert.equal(await page.locator('#reading-top').isVisible(), false, 'said twice side by side');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.evaluate(() => window.scrollTo(0, 0));
  const box = await page.locator('#reading-top').boundingBox();
  assert.ok(box && box.y + box.height < 844, `the read is said at ${JSON.stringify(box)}`);
  // The training worker ends itself, as a crash would end it, without a word to the page.
  const worker = page.workers().find((w) => !w.url().includes('?reader'));
  assert.ok(worker, 'no worker to stop');
  await worker.evaluate(() => setTimeout(() => self.close(), 0));
  await page.locator('#reading').waitFor({ state: 'detached', timeout: 120_000 });
  await page.locator('#steps[data-ready="true"]').waitFor({ timeout: 120_000 });
  assert.ok(warnings.some((w) => w.includes('stopped answering')), `warnings: ${warnings}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a second reader that falls silent in the middle of a read: the training worker reads its half too', async () => {
  const { context, page, errors } = await spamInWorker({ acceptDownloads: true });
  const warnings = [];
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  // A text run starts the second reader beside the training worker (this machine has two cores).
  await page.waitForFunction(() => navigator.hardwareConcurrency >= 2);
  let reader;
  for (let i = 0; i < 100 && !reader; i++, await page.waitForTimeout(100)) {
    reader = page.workers().find((w) => w.url().includes('?reader'));
  }
  assert.ok(reader, `workers: ${page.workers().map((w) => w.url())}`);
  await loadAnotherTeacher(page);
  await page.locator('#reading progress').waitFor({ timeout: 60_000 });
  await reader.evaluate(() => setTimeout(() => self.close(), 0));
  await page.locator('#reading').waitFor({ state: 'detached', timeout: 120_000 });
  await page.locator('#steps[data-ready="true"]').waitFor({ timeout: 120_000 });
  assert.ok(warnings.some((w) => w.includes('the training worker reads its half')), `warnings: ${warnings}`);
  // The page never read by itself: the students train in the worker, under the new teacher.
  assert.ok(!warnings.some((w) => w.includes('reads in the page')), `warnings: ${warnings}`);
  await page.locator('#in-worker').waitFor({ timeout: 30_000 });
  await trainTo(page, 3);
  assert.deepEqual(errors, []);
  await context.close();
});
