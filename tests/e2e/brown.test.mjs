// Brown's genres in the page: the pretrained MiniLM, fetched with progress, teaches students of
// the set's own words (pieces beside words in the attention view), the genres map, the three
// student kinds, and TinyBERT's aligned layer and attention terms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedBrowser, trainTo, go, typeMessage } from './harness.mjs';

const env = sharedBrowser();

async function openBrown(hash = '') {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(env.server.url + '#data=brown' + hash);
  return { page, context, errors };
}

async function ready(page) {
  await page.locator('#steps[data-ready="true"]').waitFor({ timeout: 240_000 });
  await page.locator('#attention-teacher').waitFor({ timeout: 60_000 });
}

// The page shows no error. (Reading a missing #error's text would wait 30 s for it to appear.)
async function noError(page) {
  const shown = await page.locator('#error').count();
  assert.equal(shown, 0, shown ? await page.locator('#error').textContent() : '');
}

const steps = (page) => page.evaluate(() => Number(document.querySelector('#steps').textContent.match(/\d+/)[0]));

test('brown: MiniLM is fetched with progress and read in pieces beside the students\' words; the genres map', async () => {
  const { page, context, errors } = await openBrown();
  await page.getByText(/Loading Brown genres: file \d of 5/).first().waitFor({ timeout: 30_000 });
  await ready(page);
  assert.equal(await page.locator('#dataset').inputValue(), 'brown');
  // 15 genres, an example sentence of each.
  assert.equal(await page.locator('.bars.teacher .bar').count(), 15);
  assert.equal(await page.locator('.example-message').count(), 15);
  await typeMessage(page, 'The jury said it was unbelievably fine');
  const pieces = await page.locator('#head-view-teacher .head-token').allTextContents();
  const words = await page.locator('#head-view-student .head-token').allTextContents();
  assert.ok(pieces.some((t) => t.startsWith('##')), `the teacher reads pieces: ${pieces.join(' ')}`);
  assert.ok(!words.some((t) => t.startsWith('##')), `the student reads words: ${words.join(' ')}`);
  assert.ok(pieces.length > words.length, `${pieces.length} pieces, ${words.length} words`);
  await page.locator('#alignment-note').waitFor();
  // MiniLM's 12 heads.
  assert.equal(await page.locator('#att-teacher-head option').count(), 12);
  // The genres the teacher finds alike, 15 × 15, named on hover.
  await page.locator('#class-map-h').click();
  await page.locator('#class-map canvas').waitFor();
  assert.match(await page.locator('#most-alike').textContent(), /the teacher's strongest second thought: on a true “[a-z ]+” it gives “[a-z ]+”/);
  await page.locator('#class-map').screenshot({ path: 'tests/output/brown-class-map.png' });
  await page.screenshot({ path: 'tests/output/brown.png', fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test('brown: transformer, BiLSTM and bag-of-words students distil from the shipped logits; TinyBERT aligns layers and attention', async () => {
  const { page, context, errors } = await openBrown('&kind=bow');
  await ready(page);
  await trainTo(page, 100);
  assert.match(await page.locator('#summary').textContent(), /After 1\d\d steps: distilled [\d.]+ %/);
  for (const kind of ['bilstm', 'transformer']) {
    await page.selectOption('#student-kind', kind);
    await page.locator('#steps[data-ready="true"]').waitFor({ timeout: 120_000 });
    await page.waitForFunction(() => /step 0\b/.test(document.querySelector('#steps').textContent), null, { timeout: 120_000 });
    // A curve point comes every 100 steps here: the counter says the students train.
    await page.click('#play');
    await page.waitForFunction(() => Number(document.querySelector('#steps').textContent.match(/\d+/)[0]) >= 5, null, { timeout: 120_000 });
    await page.click('#play');
    assert.ok((await steps(page)) >= 5, kind);
  }
  // TinyBERT on Brown: states and attention pooled from pieces to words, the teacher on every batch.
  await go(page, 'tools');
  // The presets explain themselves for the pretrained teacher.
  assert.match(await page.locator('#preset-pkd-last + .note').textContent(), /the very pairs skip picks from a 3-layer teacher/);
  await page.click('#preset-tinybert');
  await page.waitForFunction(() => /attn=tinybert/.test(location.hash) && /data=brown/.test(location.hash));
  await go(page, 'playground');
  await page.locator('#steps[data-ready="true"]').waitFor({ timeout: 120_000 });
  const t0 = Date.now();
  await page.click('#step');
  await page.waitForFunction(() => /step 1\b/.test(document.querySelector('#steps').textContent), null, { timeout: 240_000 });
  console.log('brown tinybert: one step', (Date.now() - t0) / 1000, 's');
  await noError(page);
  assert.deepEqual(errors, []);
  await context.close();
});

test('brown: the teacher menu swaps in the transformer trained here, fetched only when chosen', async () => {
  const { page, context, errors } = await openBrown('&teacher=scratch');
  const fetched = [];
  page.on('request', (r) => fetched.push(r.url()));
  await page.getByText(/Loading Brown genres: file \d of 4/).first().waitFor({ timeout: 30_000 });
  await ready(page);
  assert.equal(await page.locator('#teacher').inputValue(), 'scratch');
  assert.match(await page.locator('.teacher-choice .note').textContent(), /from scratch/);
  // It reads the students' words: no pieces, 4 heads, and no alignment to explain.
  await typeMessage(page, 'The jury said it was unbelievably fine');
  const tokens = await page.locator('#head-view-teacher .head-token').allTextContents();
  assert.ok(tokens.length > 3 && !tokens.some((t) => t.startsWith('##')), tokens.join(' '));
  assert.equal(await page.locator('#att-teacher-head option').count(), 4);
  // The students train under it (a curve point comes every 100 steps here: the counter says so).
  await page.click('#play');
  await page.waitForFunction(() => Number(document.querySelector('#steps').textContent.match(/\d+/)[0]) >= 5, null, { timeout: 120_000 });
  await page.click('#play');
  assert.ok(!fetched.some((u) => u.includes('brown-minilm')), 'MiniLM was fetched though not chosen');
  // Back to MiniLM: fetched now, with progress; the students start again under it.
  await page.selectOption('#teacher', 'minilm');
  await page.getByText(/Loading Brown genres: file \d of 5/).first().waitFor({ timeout: 30_000 });
  await page.waitForFunction(() => /teacher=minilm/.test(location.hash));
  await page.waitForFunction(() => document.querySelectorAll('#att-teacher-head option').length === 12, null, { timeout: 240_000 });
  assert.ok(fetched.some((u) => u.includes('brown-minilm.safetensors')));
  await noError(page);
  assert.deepEqual(errors, []);
  await context.close();
});
