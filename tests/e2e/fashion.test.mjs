// Natural images (Hinton et al. 2015 with a conv teacher): Fashion-MNIST in the page, taught by the
// shipped conv net. Its first block's filters and maps follow the image on show, the bars name the
// clothes, a drawing is read like a test image, and the preset's students learn from 3 % of the
// labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedBrowser, openPage, summaryNow, trainTo, go, drawStroke, textMatching } from './harness.mjs';

const env = sharedBrowser();

/** The maps canvas's pixels, kept in the page under `key`. */
async function snapshot(page, key) {
  await page.evaluate((key) => {
    const c = document.getElementById('conv-maps');
    window.maps ??= {};
    window.maps[key] = Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
  }, key);
}

/** Share of the maps' pixels that changed between two snapshots. */
async function changedShare(page, a, b) {
  return page.evaluate(([a, b]) => {
    const [x, y] = [window.maps[a], window.maps[b]];
    let changed = 0;
    for (let i = 0; i < x.length; i += 4) if (x[i] !== y[i]) changed++;
    return changed / (x.length / 4);
  }, [a, b]);
}

/** Waits until the maps differ from snapshot `key`, and takes them as `next`. */
async function mapsMoveFrom(page, key, next) {
  for (let tries = 0; tries < 50; tries++) {
    await page.waitForTimeout(100);
    await snapshot(page, next);
    if ((await changedShare(page, key, next)) > 0.05) return;
  }
  assert.fail(`the maps did not change from ${key}`);
}

test('Fashion-MNIST: the conv teacher shows its filters and maps, the bars name the clothes, a drawing is read, and the preset distils from 3 % of the labels', async () => {
  const { page, context, errors } = await openPage(env);
  await go(page, 'tools');
  await page.click('#preset-hinton-clothes');
  await page.waitForFunction(() => location.hash.includes('data=fashion-mnist') && location.hash.includes('labeled=0.03'));
  await go(page, 'playground');
  await page.locator('#example[max="9999"]').waitFor({ timeout: 120_000 });
  await page.locator('#conv-maps').waitFor();
  // 32 filters of 3×3 and 32 maps of 28×28, eight to a row with one pixel between.
  const sizes = await page.evaluate(() => ['conv-filters', 'conv-maps'].map((id) => {
    const c = document.getElementById(id);
    return [c.width, c.height];
  }));
  assert.deepEqual(sizes, [[31, 15], [231, 115]]);
  const label = await page.locator('.bars.teacher svg').getAttribute('aria-label');
  assert.match(label, /ankle boot: [\d.]+%/, 'the bars name the clothes');
  // Another test image, other maps; the filters stay.
  await snapshot(page, 'first');
  await page.click('button[aria-label="next example"]');
  await mapsMoveFrom(page, 'first', 'second');
  // The students learn; the distilled one, from the teacher's soft targets, is ahead.
  await trainTo(page, 300);
  const s = await summaryNow(page);
  console.log(`# clothes, 3 % of the labels, step ${s.step}: distilled ${s.distilled} %, scratch ${s.scratch} %`);
  // Measured at 331 and 376 steps (where the pause lands varies): distilled 60.5 and 66.7 %,
  // scratch 47.8 and 46.3 %.
  assert.ok(s.distilled > 45 && s.distilled - s.scratch > 6, `distilled ${s.distilled} %, scratch ${s.scratch} %`);
  // A drawing: the maps are of it, and the bars read it.
  await page.click('#draw-start');
  await page.locator('#draw-grid').waitFor();
  await drawStroke(page, 6 * 28 + 6, 6 * 28 + 21);
  await mapsMoveFrom(page, 'second', 'drawn');
  await page.waitForFunction(() => document.querySelector('#dark-knowledge').textContent.includes('teacher says'));
  await page.screenshot({ path: 'tests/output/fashion.png', fullPage: true });
  await page.locator('.panel.first-block').screenshot({ path: 'tests/output/fashion-first-block.png' });
  assert.deepEqual(errors, []);
  await context.close();
});

test('a conv student: chosen in the training panel, mapped block to block under the conv teacher, it learns and its link carries it', async () => {
  const { page, context, errors } = await openPage(env, { hash: '#data=fashion-mnist' });
  await page.locator('#example[max="9999"]').waitFor({ timeout: 120_000 });
  await page.selectOption('#student-kind', 'cnn');
  await page.waitForFunction(() => location.hash.includes('kind=cnn'));
  const shape = page.locator('.training .shape');
  assert.match(await textMatching(shape, /of channels/), /blocks\s+\d*\s*of channels/);
  assert.equal(await page.locator('#student-depth').inputValue(), '2');
  assert.equal(await page.locator('#student-width').inputValue(), '8');
  // Two blocks of 8 channels and the classifier: (8·9+8) + (8·8·9+8) + (8·7·7·10+10) = 4594.
  assert.match(await shape.textContent(), /\(4594 parameters; the teacher has/);
  // Skip pairs the two blocks of each: 14×14 maps with 14×14, 7×7 with 7×7.
  assert.match(await page.locator('#mapping-text').textContent(), /T1→S1, T2→S2/);
  await trainTo(page, 100);
  const s = await summaryNow(page);
  console.log(`# conv student, step ${s.step}: distilled ${s.distilled} %, scratch ${s.scratch} %`);
  assert.ok(s.distilled > 50 && s.scratch > 30, `distilled ${s.distilled} %, scratch ${s.scratch} %`);
  await page.locator('.panel.training').screenshot({ path: 'tests/output/conv-student.png' });
  // A link to it opens the same student kind and shape.
  const link = await page.evaluate(() => location.hash);
  const other = await openPage(env, { hash: link });
  await other.page.locator('#example[max="9999"]').waitFor({ timeout: 120_000 });
  assert.equal(await other.page.locator('#student-kind').inputValue(), 'cnn');
  assert.deepEqual([...errors, ...other.errors], []);
  await other.context.close();
  await context.close();
});
