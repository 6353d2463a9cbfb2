// The page's places, as a visitor finds them: the playground on about one screen, the index of
// labs with a link per lab, the tools; every control's bounds are the settings table's; and while
// each lab works in the background and T is dragged, the page's thread never blocks for 50 ms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedBrowser, openPage, go, studentsReady, trainTo } from './harness.mjs';

const env = sharedBrowser();

const LABS = ['exits', 'theseus', 'ensemble', 'sequence', 'cross-lingual', 'imitation', 'multitask', 'sweep', 'few-classes', 'compress', 'devices'];

test('the labs have an index, and each opens in its own view with its own link', async () => {
  const { page, context, errors } = await openPage(env);
  await go(page, 'labs');
  const ids = await page.locator('.lab-card h3 a').evaluateAll((links) => links.map((a) => a.id.replace('open-', '')));
  assert.deepEqual(ids, LABS);
  await page.screenshot({ path: 'tests/output/labs-index.png', fullPage: true });
  for (const id of LABS) {
    await go(page, id);
    assert.equal(await page.locator('main.lab .panel').count() >= 1, true, id);
    assert.match(page.url(), new RegExp(`#lab=${id}&`));
  }
  // A link straight to a lab opens it, with the settings it carries.
  const fresh = await env.browser.newPage({ viewport: { width: 1280, height: 800 } });
  await fresh.goto(`${env.server.url}#lab=sweep&T=7`);
  await fresh.locator('.panel.sweep').waitFor({ timeout: 60_000 });
  await fresh.click('#go-playground');
  assert.match(await fresh.locator('#t-value').textContent(), /T = 7\.00/);
  await fresh.close();
  const wrong = await env.browser.newPage({ viewport: { width: 1280, height: 800 } });
  await wrong.goto(`${env.server.url}#lab=cifar`);
  await wrong.locator('.notices', { hasText: "there is no lab 'cifar'" }).waitFor({ timeout: 60_000 });
  await wrong.locator('.panel.soft').waitFor();
  await wrong.close();
  assert.deepEqual(errors, []);
  await context.close();
});

test('the playground is one screen of five panels in two even columns; the tools leave no half-screen blank', async () => {
  const { page, context, errors } = await openPage(env);
  await studentsReady(page);
  const panels = await page.locator('main.playground .panel').evaluateAll((ps) => ps.map((p) => p.classList[1]));
  assert.deepEqual(panels.sort(), ['controls', 'mapping', 'soft', 'training']);
  const layout = await page.evaluate(() => ({
    height: document.documentElement.scrollHeight,
    columns: [...document.querySelectorAll('main.playground .column')].map((c) => c.getBoundingClientRect().height),
  }));
  console.log(`# playground at 1280×800: ${JSON.stringify(layout)}`);
  // Measured: 1,117 px (the page was 5,400 px of 20 panels): the bars, T and the controls on one
  // screen, the rest a short scroll.
  assert.ok(layout.height < 1.5 * 800, JSON.stringify(layout));
  assert.ok(Math.abs(layout.columns[0] - layout.columns[1]) < 400, 'no half-screen blank beside a column');
  await page.screenshot({ path: 'tests/output/playground.png' });
  await go(page, 'tools');
  const tools = await page.evaluate(() => {
    const main = document.querySelector('main.tools');
    const panels = [...main.querySelectorAll(':scope > .panel')];
    const area = panels.reduce((a, p) => a + p.getBoundingClientRect().height, 0);
    return { height: main.getBoundingClientRect().height, panels: panels.length, area };
  });
  console.log(`# tools at 1280×800: ${JSON.stringify(tools)}`);
  // Two columns of stacked panels: the page is about half the panels' total height.
  assert.ok(tools.height < tools.area / 2 + 600, JSON.stringify(tools));
  await page.screenshot({ path: 'tests/output/tools.png', fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test('on a phone the T slider and the three distributions share one screen', async () => {
  const context = await env.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await page.locator('.bars.student').waitFor({ timeout: 120_000 });
  const boxes = await page.evaluate(() => ['#temperature', '.bars.hard', '.bars.teacher', '.bars.student']
    .map((s) => document.querySelector(s).getBoundingClientRect()).map((r) => [Math.round(r.top), Math.round(r.bottom)]));
  console.log(`# phone, slider and bars (top, bottom): ${JSON.stringify(boxes)}`);
  assert.ok(boxes.every(([top, bottom]) => top >= 0 && bottom <= 844), JSON.stringify(boxes));
  await page.screenshot({ path: 'tests/output/phone-playground.png' });
  await context.close();
});

test("every control's bounds are the settings table's", async () => {
  const { page, context, errors } = await openPage(env);
  await go(page, 'tools');
  const table = await page.locator('#settings-table .span').evaluateAll((spans) => spans.map((s) => ({
    key: s.closest('tr').dataset.key, part: s.dataset.part, min: Number(s.dataset.min), max: Number(s.dataset.max),
  })));
  const checked = new Set();
  // The digits' students and the text students' controls.
  for (const hash of ['#T=4', '#data=spam&attn=minilm']) {
    await page.goto(env.server.url + hash);
    // A new hash alone does not load the page again.
    await page.reload();
    await page.locator('#attention-teacher, .bars.student').first().waitFor({ timeout: 180_000 });
    if (hash.includes('spam')) await page.locator('#gamma').waitFor({ timeout: 180_000 });
    const controls = await page.locator('[data-setting]').evaluateAll((els) => els.map((e) => ({
      key: e.dataset.setting,
      part: e.dataset.part,
      min: Number(e.dataset.min ?? e.min),
      max: Number(e.dataset.max ?? e.max),
    })));
    for (const c of controls) {
      const row = table.find((t) => t.key === c.key && t.part === c.part);
      assert.ok(row, `${c.key}.${c.part} is not in the table`);
      assert.deepEqual([c.min, c.max], [row.min, row.max], `${c.key}.${c.part}`);
      checked.add(`${c.key}.${c.part}`);
    }
  }
  console.log(`# bounded controls checked against the table: ${[...checked].join(' ')}`);
  // T, α, β, γ, the students' depth and width, the text students' width, blocks and heads, and
  // Tang's three probabilities.
  assert.ok(checked.size >= 12, [...checked].join(' '));
  assert.deepEqual(errors, []);
  await context.close();
});

/** The button that starts each lab's work (the sequence lab's data load included). */
const START = {
  exits: '#exits-train', theseus: '#theseus-run', ensemble: '#ensemble-add', sequence: '#sequence-load',
  'cross-lingual': '#cross-lingual-load', imitation: '#imitation-train', multitask: '#multitask-train',
  sweep: '#sweep-run', 'few-classes': '#few-classes-run', compress: '#compress-run', devices: '#compare-devices',
};

test('while each lab works and T is dragged, no task on the page\'s thread takes 50 ms', async () => {
  const { page, context, errors } = await openPage(env);
  await studentsReady(page);
  // The compression lab measures the distilled student: it must have trained.
  await trainTo(page, 25);
  await page.evaluate(() => {
    window.__long = [];
    new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__long.push(e.duration))).observe({ type: 'longtask' });
  });
  const longest = {};
  for (const id of LABS) {
    await go(page, id);
    await page.click(START[id]);
    // The compare-devices work is short: it may be over before its bar is seen.
    await page.locator(`#${id}-progress`).waitFor({ timeout: 30_000 }).catch(() => {});
    await go(page, 'playground');
    await page.focus('#temperature');
    // Only the drag is timed: the view's first drawing after a change of place is not a stutter.
    await page.evaluate(() => { window.__long = []; });
    for (let k = 0; k < 12; k++) {
      const before = await page.locator('#t-value').textContent();
      await page.keyboard.press(k % 6 < 3 ? 'ArrowRight' : 'ArrowLeft');
      await page.waitForFunction((b) => document.querySelector('#t-value').textContent !== b, before, { timeout: 5_000 });
      await page.waitForTimeout(60);
    }
    longest[id] = Math.max(0, ...(await page.evaluate(() => window.__long)));
    await go(page, id);
    // The lab may end on its own between seeing Cancel and pressing it (its button then goes):
    // either way it must be over below.
    if (await page.locator(`#${id}-cancel`).count()) await page.click(`#${id}-cancel`, { timeout: 5_000 }).catch(() => {});
    await page.waitForFunction((i) => !document.querySelector(`#${i}-progress`), id, { timeout: 60_000 });
  }
  console.log(`# longest task on the page's thread while each lab worked (ms): ${JSON.stringify(longest)}`);
  // The instrument itself: an 80 ms task on the page's thread is seen.
  await page.evaluate(() => {
    window.__long = [];
    setTimeout(() => { const t = performance.now(); while (performance.now() - t < 80); }, 0);
  });
  await page.waitForFunction(() => window.__long.some((d) => d >= 80), null, { timeout: 5_000 });
  for (const [id, ms] of Object.entries(longest)) assert.ok(ms < 50, `${id}: ${ms} ms`);
  assert.deepEqual(errors, []);
  await context.close();
});
