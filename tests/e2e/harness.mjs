// What the browser test files share: a static server for dist/ and a CPU-only browser for the
// file's tests, opening the page, reading the training summary, training to a step.
import { before, after } from 'node:test';
import { mkdir } from 'node:fs/promises';
import { serveDist } from './server.mjs';
import { launch } from './browser.mjs';

/** Registers the file's before/after hooks; the returned object holds `server` (and `browser`). */
export function sharedBrowser({ browser = true } = {}) {
  const env = {};
  before(async () => {
    env.server = await serveDist();
    if (browser) env.browser = await launch({ webgpu: false });
    await mkdir('tests/output', { recursive: true });
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}

/** A fresh page at 1280×800 (projector size), collecting uncaught page errors. */
export async function openPage(env, { hash = '', downloads = false } = {}) {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: downloads });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(env.server.url + hash);
  await page.locator('.bars.student').waitFor({ timeout: 120_000 });
  return { page, context, errors };
}

/** The numbers of the training panel's summary line. */
export async function summary(page) {
  const text = await page.locator('#summary').textContent();
  const [, step, distilled, scratch] = text.match(/After (\d+) steps: distilled ([\d.]+) %, scratch ([\d.]+) %/);
  return { step: Number(step), distilled: Number(distilled), scratch: Number(scratch) };
}

/**
 * The summary of the students as they stand. After a pause the counter can be past the last
 * curve point (steps in flight), so one more step is taken: it always ends with a point.
 */
export async function summaryNow(page) {
  await page.click('#step');
  await page.waitForFunction(
    () => {
      const counter = Number(document.querySelector('#steps').textContent.match(/\d+/)[0]);
      const shown = Number(document.querySelector('#summary')?.textContent.match(/After (\d+) steps/)?.[1]);
      return counter > 0 && counter === shown;
    },
    null,
    { timeout: 60_000, polling: 100 },
  );
  return summary(page);
}

/** Trains until the summary reports at least `n` steps, then pauses and waits for the students to stop. */
export async function trainTo(page, n) {
  await page.click('#play');
  await page.waitForFunction(
    (n) => Number(document.querySelector('#summary')?.textContent.match(/After (\d+) steps/)?.[1]) >= n,
    n,
    { timeout: 240_000, polling: 100 },
  );
  await page.click('#play');
  // On the CPU the students train in a worker: the pause reaches it after the steps in flight.
  // Wait until the counter stands still, as a user sees it stop.
  let last = -1;
  for (;;) {
    const now = await page.evaluate(() => Number(document.querySelector('#steps').textContent.match(/\d+/)[0]));
    if (now === last) break;
    last = now;
    await page.waitForTimeout(250);
  }
}

/**
 * Waits until the page's link holds every one of `parts`. The page writes its link a quarter of a
 * second after the last change (a slider drag would otherwise write it on every input event).
 */
export async function linkHolds(page, ...parts) {
  await page.waitForFunction((parts) => parts.every((p) => location.hash.includes(p)), parts, { timeout: 10_000, polling: 50 });
}

/**
 * For tests that need a browser of their own (WebGPU or not, a phone): launches it, opens a page
 * (1280×800 unless `page` says otherwise) collecting uncaught page errors, runs `body`, closes.
 */
export async function withOwnBrowser({ webgpu, page: options = {} }, body) {
  const browser = await launch({ webgpu });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, ...options });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await body({ page, errors });
  } finally {
    await browser.close();
  }
}

/**
 * Goes to a place of the page as a visitor would, by its tabs: 'playground', 'labs', 'tools',
 * or a lab's id (through the index of labs).
 */
export async function go(page, where) {
  if (['playground', 'labs', 'tools'].includes(where)) {
    await page.click(`#go-${where}`);
  } else {
    await page.click('#go-labs');
    await page.click(`#open-${where}`);
  }
  await page.waitForFunction((w) => {
    const hash = location.hash;
    if (w === 'playground') return !hash.includes('view=') && !hash.includes('lab=');
    if (w === 'labs' || w === 'tools') return hash.includes(`view=${w}`);
    return hash.includes(`lab=${w}`);
  }, where, { timeout: 10_000, polling: 50 });
}

/** Waits until the students are built (the training panel says so). */
export async function studentsReady(page) {
  await page.locator('#steps[data-ready="true"]').waitFor({ timeout: 120_000 });
}

/** Types a message and waits until the bars show it (their version caught up with the box).
 * MiniLM reads a typed sentence in about a second in wasm: the wait allows a minute. */
export async function typeMessage(page, text) {
  const before = await page.locator('.bars-row').getAttribute('data-input').catch(() => null);
  await page.fill('#message', text);
  await page.waitForFunction((before) => {
    const row = document.querySelector('.bars-row');
    return row && row.dataset.input !== before && row.dataset.input === row.dataset.shown;
  }, before, { timeout: 60_000 });
}

/** Draws one stroke on the drawing grid with the mouse, from cell `from` to cell `to` (row-major
 * indices), in four pointer moves: the cells between are painted too. */
export async function drawStroke(page, from, to) {
  const cell = async (i) => page.locator(`#draw-grid .cell[data-cell="${i}"]`).boundingBox();
  const [a, b] = [await cell(from), await cell(to)];
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 4 });
  await page.mouse.up();
}

/**
 * Waits until the locator's text matches `pattern`, then returns the text. The page re-renders
 * after an input's event, not during it, so a read right after a click can see the old text.
 */
export async function textMatching(locator, pattern, timeout = 10_000) {
  const end = Date.now() + timeout;
  let text = await locator.textContent();
  while (!pattern.test(text) && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    text = await locator.textContent();
  }
  return text;
}
