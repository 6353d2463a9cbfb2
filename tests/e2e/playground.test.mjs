// The playground as a user drives it (CPU fallback, fast): the temperature slider, the layer
// mapping, links and persistence, a bad link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedBrowser, openPage, trainTo } from './harness.mjs';

const env = sharedBrowser();
const open = (hash = '') => openPage(env, { hash });

const entropy = async (page, kind) =>
  Number(await page.locator(`.bars.${kind}`).getAttribute('data-entropy'));

test('dragging the temperature slider redraws the bars and raises the entropy', async () => {
  const { page, context, errors } = await open();
  const slider = page.getByLabel('Temperature');
  await slider.fill('0'); // T = 0.5
  assert.match(await page.locator('#t-value').textContent(), /T = 0\.50/);
  const cold = await entropy(page, 'teacher');
  const coldBars = await page.locator('.bars.teacher .bar').evaluateAll((g) => g.map((x) => x.dataset.p));
  // Keyboard: the slider moves with the arrow keys too.
  await slider.focus();
  await page.keyboard.press('End'); // T = 50
  assert.match(await page.locator('#t-value').textContent(), /T = 50\.00/);
  const hot = await entropy(page, 'teacher');
  const hotBars = await page.locator('.bars.teacher .bar').evaluateAll((g) => g.map((x) => x.dataset.p));
  assert.ok(hot > cold + 1, `entropy ${cold} → ${hot}`);
  assert.notDeepEqual(hotBars, coldBars);
  assert.ok(hot <= Math.log2(10) + 1e-4);
  await page.screenshot({ path: 'tests/output/playground-hot.png', fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test('the class map: the teacher\'s mean soft targets per true class follow T; hovering names two classes', async () => {
  const { page, context, errors } = await open();
  await page.locator('#class-map-h').click({ timeout: 60_000 }); // unfolds the map
  await page.locator('#class-map canvas').waitFor();
  const slider = page.getByLabel('Temperature');
  await slider.fill('0'); // T = 0.5
  const digest = () => page.locator('#class-map figure.attention-map').getAttribute('data-digest');
  const cold = { digest: await digest(), reading: await page.locator('#most-alike').textContent() };
  await slider.focus();
  await page.keyboard.press('End'); // T = 50
  const hot = { digest: await digest(), reading: await page.locator('#most-alike').textContent() };
  assert.notEqual(hot.digest, cold.digest, 'the map redraws with T');
  assert.match(hot.reading, /At T = 50\.00, the teacher's strongest second thought: on a true “\d” it gives “\d” \d+\.\d %/);
  // The pointer over the map names a row and a column: 10 × 10 cells after 64 pixels of labels.
  const canvas = page.locator('#class-map canvas');
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  await page.mouse.move(box.x + box.width * 0.98, box.y + box.height * 0.32);
  assert.match(await page.locator('#class-map .attention-cell').textContent(), /^On true “1” the teacher's mean belief in “9” is 0\.\d{3}$/);
  await slider.fill('300'); // T ≈ 2, where the digits' look-alikes show
  await page.locator('#class-map').screenshot({ path: 'tests/output/class-map.png' });
  assert.deepEqual(errors, []);
  await context.close();
});

test('with the hidden term on, a shared projection is one choice away, carried by the link, and trains', async () => {
  const { page, context, errors } = await open('#beta=0&map=last');
  assert.equal(await page.locator('#projection').count(), 0, 'no projection menu without the hidden term');
  await page.getByLabel(/β — weight of the hidden-state loss/).fill('0.5');
  await page.selectOption('#projection', 'shared-down');
  await page.waitForFunction(() => location.hash.includes('proj=shared-down'));
  await trainTo(page, 20);
  assert.match(await page.locator('#summary').textContent(), /After \d+ steps/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('mapping presets and clicks, with impossible mappings refused', async () => {
  const { page, context } = await open();
  await page.click('#map-last');
  assert.equal(await page.locator('#mapping-text').textContent(), 'T4→S1, T5→S2, T6→S3');
  await page.click('#map-skip');
  assert.equal(await page.locator('#mapping-text').textContent(), 'T2→S1, T4→S2, T6→S3');
  // Disconnect T4→S2 by clicking the pair's two layers.
  await page.click('#teacher-layer-4');
  await page.click('#student-layer-2');
  assert.equal(await page.locator('#mapping-text').textContent(), 'T2→S1, T6→S3');
  // Re-pointing S3 at T1 would cross the line T2→S1: refused, with the reason.
  await page.click('#teacher-layer-1');
  await page.click('#student-layer-3');
  assert.match(await page.locator('#error').textContent(), /impossible.*strictly increasing/);
  assert.equal(await page.locator('#mapping-text').textContent(), 'T2→S1, T6→S3', 'the mapping is kept');
  // The hash records the custom mapping.
  await page.waitForFunction(() => location.hash.includes('map=1:2,3:6'));
  await context.close();
});

test('a shared link restores the setup, and a reload keeps it', async () => {
  const { page, context } = await open('#T=12.5&alpha=0.2&beta=0.5&map=last&soft=logit-mse&labeled=0.25');
  assert.match(await page.locator('#t-value').textContent(), /T = 12\.50/);
  assert.equal(await page.locator('#alpha-value').textContent(), '0.20');
  assert.equal(await page.locator('#beta-value').textContent(), '0.50');
  assert.equal(await page.locator('#soft-loss').inputValue(), 'mse');
  assert.equal(await page.locator('#mapping-text').textContent(), 'T4→S1, T5→S2, T6→S3');
  // Change α and reload without the hash: localStorage brings it back.
  await page.getByLabel(/weight of the hard labels/).fill('0.9');
  await page.goto(env.server.url);
  await page.locator('.bars.student').waitFor({ timeout: 120_000 });
  assert.equal(await page.locator('#alpha-value').textContent(), '0.90');
  assert.match(await page.locator('#t-value').textContent(), /T = 12\.50/);
  await context.close();
});

test('a bad link falls back field by field and says which fields were ignored', async () => {
  const { page, context, errors } = await open('#T=9999&alpha=0.3&map=2,9,6&evil=%3Cscript%3E&batch=-1');
  const notice = await page.locator('.notices').textContent();
  for (const needle of ["T='9999'", 'teacher layer 9', "unknown setting 'evil'", "batch='-1'"]) {
    assert.ok(notice.includes(needle), `${needle} not in: ${notice}`);
  }
  assert.equal(await page.locator('#alpha-value').textContent(), '0.30', 'good fields are kept');
  assert.match(await page.locator('#t-value').textContent(), /T = 4\.00/);
  await page.screenshot({ path: 'tests/output/playground-bad-link.png' });
  assert.deepEqual(errors, []);
  await context.close();
});

test('one training step moves the step counter and draws a curve point', async () => {
  const { page, context } = await open();
  await page.click('#step');
  await page.locator('#steps', { hasText: 'step 1' }).waitFor({ timeout: 60_000 });
  await page.locator('#summary').waitFor({ timeout: 60_000 });
  assert.match(await page.locator('#summary').textContent(), /After 1 steps/);
  await context.close();
});
