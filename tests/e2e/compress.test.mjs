// Smaller networks, driven as a user would: refused before the students have trained; then the
// teacher and the distilled student pruned, quantized and factorized in the worker, a run
// cancelled (its points kept), a full run read off the plot by hovering and by keyboard, and
// the frontier table checked against the points. Digits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedBrowser, openPage, go, studentsReady, trainTo } from './harness.mjs';

const env = sharedBrowser();

/** The rows of a results table, as text cells. */
async function rows(page, id) {
  return page.locator(`#${id} tbody tr`).evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
}

const kb = (size) => {
  const [n, unit] = size.split(' ');
  return Number(n) * { B: 1e-3, kB: 1, MB: 1e3 }[unit];
};

test('smaller networks: the frontier of bytes against accuracy, made in the worker', async () => {
  const { page, context, errors } = await openPage(env);
  await studentsReady(page);
  await go(page, 'compress');
  await page.click('#compress-run');
  await page.locator('.notices', { hasText: 'train the students first' }).waitFor({ timeout: 10_000 });
  await go(page, 'playground');
  await trainTo(page, 150);
  await go(page, 'compress');
  // Cancelled after the first points: they stay, and the reading says so.
  await page.click('#compress-run');
  await page.locator('#compress-progress').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('#compress-plot .pt').length >= 3);
  await page.click('#compress-cancel');
  await page.locator('#compress-progress').waitFor({ state: 'detached' });
  assert.match(await page.locator('#compress-reading').textContent(), /Cancelled; the points made so far are kept/);
  // A full run with 50 fine-tuning steps a point.
  await page.fill('#compress-steps', '50');
  await page.locator('#compress-steps').dispatchEvent('change');
  await page.click('#compress-run');
  await page.locator('#compress-progress').waitFor();
  await page.locator('#compress-progress').waitFor({ state: 'detached', timeout: 300_000 });
  const all = await rows(page, 'compress-all');
  const shown = await page.locator('#compress-plot .pt').count();
  assert.equal(shown, all.length);
  assert.ok(all.length >= 30, `${all.length} points`);
  // Both networks as trained, and every method, pruned and factorized also fine-tuned.
  for (const sel of ['.as-trained.of-teacher', '.as-trained.of-student', '.pruned.tuned', '.quantized', '.factorized.tuned']) {
    assert.ok(await page.locator(`#compress-plot .pt${sel}`).count() >= 1, sel);
  }
  // The frontier: more bytes buy more accuracy along it.
  const frontier = await rows(page, 'compress-frontier');
  assert.ok(frontier.length >= 2);
  const pct = (c) => Number(c.replace(' %', ''));
  for (let i = 1; i < frontier.length; i++) {
    assert.ok(kb(frontier[i][2]) >= kb(frontier[i - 1][2]) && pct(frontier[i][3]) > pct(frontier[i - 1][3]), JSON.stringify(frontier));
  }
  // Fine-tuning recovers what pruning 90 % of the teacher cost.
  const find = (m, s) => all.find((r) => r[0] === m && r[1] === s);
  const cut = find('teacher, pruned', '90 % of the weights');
  const tuned = find('teacher, pruned and fine-tuned', '90 % of the weights');
  console.log(`# teacher pruned to 90 %: ${cut[3]}, fine-tuned 50 steps: ${tuned[3]}`);
  assert.ok(pct(tuned[3]) > pct(cut[3]) + 20, `${cut} → ${tuned}`);
  assert.match(await page.locator('#compress-reading').textContent(), /^Your student: [\d.]+ kB at [\d.]+ %/);
  await page.locator('#compress-speed').waitFor();
  // A point reads out on hover (the last drawn: no other lies over it), and on focus from the
  // keyboard.
  const tip = (i) => page.locator(`#compress-pt-${i} .tip`).first();
  const last = shown - 1;
  assert.equal(await tip(last).isVisible(), false);
  await page.hover(`#compress-pt-${last}`);
  assert.ok(await tip(last).isVisible());
  const label = await page.locator(`#compress-pt-${last}`).getAttribute('aria-label');
  assert.ok(label.startsWith(`${await tip(last).textContent()}: `), label);
  await page.focus('#compress-pt-1');
  assert.ok(await tip(1).isVisible());
  assert.equal(await tip(1).textContent(), 'teacher, pruned, 50 % of the weights');
  await page.locator('.panel.compress').screenshot({ path: 'tests/output/compress.png' });
  await page.setViewportSize({ width: 390, height: 844 });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 390, `the page is ${wide} px wide`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('smaller networks on the e-mails: the transformer teacher and a bag of words, embeddings and all', async () => {
  const { page, context, errors } = await openPage(env, { hash: '#data=spam&kind=bow' });
  await studentsReady(page);
  await trainTo(page, 40);
  await go(page, 'compress');
  await page.click('#compress-run');
  await page.locator('#compress-progress').waitFor();
  await page.locator('#compress-progress').waitFor({ state: 'detached', timeout: 300_000 });
  const all = await rows(page, 'compress-all');
  // Each network as it is, pruned 4 ways and quantized 4 ways; no MLP, so nothing else.
  assert.equal(all.length, 18, JSON.stringify(all));
  const size = (m, s) => kb(all.find((r) => r[0] === m && r[1] === s)[2]);
  // The embedding table, most of a bag of words, is quantized with the rest.
  const [float, int8] = [size('your distilled student', 'float32'), size('your distilled student, quantized', '8-bit, per tensor')];
  console.log(`# the e-mails' bag of words: ${float} kB in float32, ${int8} kB at 8 bits`);
  assert.ok(int8 < float * 0.3, `${int8} against ${float}`);
  assert.match(await page.locator('#compress-reading').textContent(), /Your student: [\d.]+ kB/);
  await page.locator('.panel.compress').screenshot({ path: 'tests/output/compress-text.png' });
  assert.deepEqual(errors, []);
  await context.close();
});
