// The classroom experiments, one click each: presets set up the papers' claims and the page shows
// what they predict (fixed seeds, short runs; margins measured on this build, see comments).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { sharedBrowser, openPage, summary, trainTo, go, studentsReady, textMatching } from './harness.mjs';

const env = sharedBrowser();

async function open(options) {
  const opened = await openPage(env, options);
  await studentsReady(opened.page);
  return opened;
}

test('little labeled data: one click, and the distilled student pulls away from the scratch one', async () => {
  const { page, context, errors } = await open();
  await go(page, 'tools');
  await page.click('#preset-little-labeled');
  assert.equal(await page.locator('#labeled').inputValue(), '0.03');
  await page.waitForFunction(() => location.hash.includes('labeled=0.03'));
  await trainTo(page, 400);
  const s = await summary(page);
  console.log(`# little labeled data, step ${s.step}: distilled ${s.distilled} %, scratch ${s.scratch} %`);
  assert.ok(s.distilled - s.scratch > 10, `gap ${s.distilled - s.scratch}`);
  await page.screenshot({ path: 'tests/output/preset-little-labeled.png', fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test("Hinton's omitted class: the student recognises 3s it never saw, better with the bias fix", async () => {
  const { page, context, errors } = await open();
  await go(page, 'tools');
  await page.click('#preset-omitted-class');
  assert.equal(await page.locator('#omit').inputValue(), '3');
  await trainTo(page, 400);
  const text = await page.locator('#omitted').textContent();
  console.log(`# ${text}`);
  const [, recall, , bias, fixed] = text.match(/calls (-?[\d.]+) % of the test 3s.*overall (-?[\d.]+) %.*by (-?[\d.]+).*makes it (-?[\d.]+) %/).map(Number);
  // The fix raises the omitted class's logit: a positive bias that recognises more 3s.
  assert.ok(fixed > recall, `with the fix ${fixed} %, without ${recall} %`);
  assert.ok(fixed > 30, `with the fix ${fixed} %`);
  assert.ok(bias > 0 && bias <= 10, `bias ${bias}`);
  await page.screenshot({ path: 'tests/output/preset-omitted-class.png', fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test('compression is reported, and projector mode enlarges the type', async () => {
  const { page, context } = await open();
  await go(page, 'tools');
  const table = await page.locator('#compression-table').textContent();
  assert.match(table, /92170/);
  assert.match(table, /4522 \(20\.4× smaller\)/);
  assert.match(table, /ms \([\d.]+× faster\)/);
  const size = () => page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('h2')).fontSize));
  const normal = await size();
  await page.click('#projector');
  assert.ok((await size()) > normal * 1.3, 'larger headings');
  assert.equal(await page.locator('#projector').getAttribute('aria-pressed'), 'true');
  await page.screenshot({ path: 'tests/output/projector.png' });
  await context.close();
});

test('draw your own digit: the bars follow the drawing, undo and clear work', async () => {
  const { page, context, errors } = await open();
  const teacherBars = () => page.locator('.bars.teacher .bar').evaluateAll((g) => g.map((x) => x.dataset.p).join());
  const example = await teacherBars();
  // The bars say which version of the drawing they were computed for; the driver computes them
  // between frames, so they catch up a moment after each change.
  const version = () => page.locator('.bars-row').evaluate((row) => Number(row.dataset.input));
  let before = await version();
  // Waits for the drawing to have changed since the last call and for the bars to show it.
  const settled = async () => {
    await page.waitForFunction((v) => {
      const row = document.querySelector('.bars-row');
      return row && Number(row.dataset.input) > v && row.dataset.shown === row.dataset.input;
    }, before, { timeout: 10_000 });
    before = await version();
  };
  await page.click('#draw-start');
  await page.locator('#draw-grid').waitFor();
  await settled();
  const blank = await teacherBars();
  assert.notEqual(blank, example, "the empty grid's bars replace the test example's");
  assert.equal(await page.locator('.bars.hard').count(), 0, 'a drawing has no one-hot label');
  // A vertical stroke down the middle: a "1".
  const centre = async (i) => {
    const b = await page.locator(`#draw-grid .cell[data-cell="${i}"]`).boundingBox();
    return [b.x + b.width / 2, b.y + b.height / 2];
  };
  await page.mouse.move(...(await centre(4)));
  await page.mouse.down();
  for (let r = 1; r < 8; r++) await page.mouse.move(...(await centre(r * 8 + 4)), { steps: 2 });
  await page.mouse.up();
  assert.equal(await page.locator('#draw-undo').isDisabled(), false, 'one stroke to undo');
  await settled();
  const painted = await page.locator('#draw-grid .cell').evaluateAll((c) => c.filter((x) => x.getAttribute('fill') !== 'rgb(255,255,255)').length);
  assert.ok(painted >= 8, `${painted} cells painted`);
  const reading = await page.locator('#dark-knowledge').textContent();
  console.log(`# drawn stroke: ${reading}`);
  assert.match(reading, /the teacher says 1 /);
  // Keyboard: Enter paints a cell.
  const stroke = await teacherBars();
  await page.locator('#draw-grid .cell[data-cell="0"]').focus();
  await page.keyboard.press('Enter');
  await settled();
  assert.notEqual(await teacherBars(), stroke, 'a painted corner moves the bars');
  await page.click('#draw-undo');
  await settled();
  assert.equal(await teacherBars(), stroke, 'undo brings back the bars of the stroke');
  assert.equal(await page.locator('#draw-grid .cell[data-cell="0"]').getAttribute('fill'), 'rgb(255,255,255)');
  await page.screenshot({ path: 'tests/output/draw.png' });
  await page.click('#draw-clear');
  await settled();
  assert.equal(await teacherBars(), blank, 'clear brings back the empty grid');
  await page.click('#draw-stop');
  assert.equal(await page.locator('.bars.hard').count(), 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the guided tour walks through the ideas and moves the controls', async () => {
  const { page, context, errors } = await open();
  const t = () => page.locator('#t-value').textContent();
  await page.click('#tour-start');
  assert.match(await page.locator('#tour-title').textContent(), /Soft targets/);
  assert.match(await t(), /T = 1\.00/);
  assert.equal(await page.locator('#tour-back').isDisabled(), true);
  await page.click('#tour-next');
  assert.match(await page.locator('#tour-title').textContent(), /Temperature/);
  assert.match(await t(), /T = 8\.00/);
  await page.click('#tour-next');
  assert.equal(await page.locator('#alpha-value').textContent(), '0.30');
  assert.equal(await page.locator('main.tour-focus-controls').count(), 1, 'the loss panel is highlighted');
  await page.click('#tour-back');
  assert.match(await page.locator('#tour-title').textContent(), /Temperature/);
  for (let i = 0; i < 3; i++) await page.click('#tour-next');
  assert.equal(await page.locator('#beta-value').textContent(), '0.50');
  assert.match(await page.locator('#mapping-text').textContent(), /T2→S1, T4→S2, T6→S3/);
  await page.screenshot({ path: 'tests/output/tour.png' });
  // Attention: the tour moves to the text set with TinyBERT's attention loss on.
  await page.click('#tour-next');
  assert.match(await page.locator('#tour-title').textContent(), /Attention/);
  assert.equal(await page.locator('main.tour-focus-attention').count(), 1, 'the attention panel is highlighted');
  await page.locator('#attention-teacher canvas').waitFor({ timeout: 120_000 });
  assert.equal(await page.locator('#dataset').inputValue(), 'spam');
  assert.equal(await page.locator('#attention-loss').inputValue(), 'tinybert');
  await page.click('#tour-next');
  assert.match(await page.locator('#tour-title').textContent(), /Take it with you/);
  assert.equal(await page.locator('#tour-next').count(), 0);
  await page.click('#tour-end');
  assert.equal(await page.locator('#tour').count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a teacher trained in the page, regularised, with progress, becomes the teacher the students learn from', async () => {
  const { page, context, errors } = await open({ downloads: true });
  await go(page, 'tools');
  const plan = page.locator('.teacher-train .note').first();
  assert.match(await plan.textContent(), /20 epochs;/);
  await page.getByLabel(/Regularise it as Hinton et al\. did/).check();
  assert.match(await textMatching(plan, /60 epochs/), /60 epochs, dropout 0\.2 after each hidden layer;/);
  await page.click('#train-teacher');
  await page.locator('#teacher-progress').waitFor({ timeout: 30_000 });
  const notice = page.locator('.notices', { hasText: 'Loaded the teacher trained here' });
  await notice.waitFor({ timeout: 180_000 });
  const text = await notice.textContent();
  assert.match(text, /60 epochs, dropout 0\.2 after each hidden layer/);
  const accuracy = Number(text.match(/([\d.]+) % on the test set/)[1]);
  console.log(`# regularised teacher trained in the page: ${accuracy} %`);
  assert.ok(accuracy > 90, `teacher ${accuracy} %`);
  assert.equal(await page.locator('#teacher-progress').count(), 0);
  await go(page, 'playground');
  assert.match(await page.locator('#steps').textContent(), /step 0/);
  await go(page, 'tools');
  // The compression table now reports the new teacher's accuracy.
  await page.waitForFunction((a) => document.querySelector('#compression-table').textContent.includes(`${a.toFixed(1)} %`), accuracy, { timeout: 30_000 });
  // Its file says how it was trained.
  const [file] = await Promise.all([page.waitForEvent('download'), page.click('#download-teacher')]);
  await file.saveAs('tests/output/regularised-teacher.safetensors');
  const bytes = await readFile('tests/output/regularised-teacher.safetensors');
  const meta = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8')).__metadata__;
  const made = JSON.parse(meta.info).trained_here;
  assert.deepEqual([made.role, made.epochs, Math.fround(made.regularisation.hidden_dropout), made.regularisation.jitter], ['teacher', 60, Math.fround(0.2), 0]);
  assert.ok(Math.abs(made.test_accuracy * 100 - accuracy) < 0.06, `${made.test_accuracy} vs ${accuracy}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a teacher assistant in between: the three accuracies are shown', async () => {
  const { page, context, errors } = await open();
  await go(page, 'tools');
  await page.click('#train-assistant');
  const notice = page.locator('.notices', { hasText: 'teacher assistant' });
  await notice.waitFor({ timeout: 180_000 });
  const [, assistant, teacher] = (await notice.textContent()).match(/([\d.]+) % vs the teacher's ([\d.]+) %/).map(Number);
  console.log(`# assistant ${assistant} %, teacher ${teacher} %`);
  assert.ok(assistant > 85 && teacher > 95, `assistant ${assistant}, teacher ${teacher}`);
  await go(page, 'playground');
  // The mapping diagram shows the assistant's 64-wide layers.
  assert.match(await page.locator('#teacher-layer-1').textContent(), /T1 · 64/);
  await trainTo(page, 100);
  const chain = await page.locator('#chain').textContent();
  assert.match(chain, /teacher [\d.]+ % → assistant [\d.]+ % → student [\d.]+ %/);
  await page.screenshot({ path: 'tests/output/assistant.png', fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});
