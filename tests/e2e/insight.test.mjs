// Issue 19's lessons, driven as a user would: the loss laid bare (the T² and reduction
// switches with the gradient readout), layer similarity with the mapping's pairs, and the
// α × T sweep (cancel, then a full grid while the temperature slider still answers). Digits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedBrowser, openPage, trainTo } from './harness.mjs';

const env = sharedBrowser();

/** The teacher's pull over the labels' in the gradient readout ("pulls 0.52× as hard"). */
async function pull(page) {
  const text = await page.locator('#gradient-readout').textContent();
  const m = text.match(/pulls ([\d.]+)× as hard/);
  assert.ok(m, text);
  return Number(m[1]);
}

/** The similarity grid's numbers, row by row, and which cells are outlined. */
async function similarity(page) {
  return page.locator('#similarity-grid').evaluate((table) => {
    const rows = [...table.querySelectorAll('tbody tr')];
    return {
      values: rows.map((r) => [...r.querySelectorAll('td')].map((td) => Number(td.textContent))),
      marked: rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.classList.contains('marked'))),
    };
  });
}

test('the loss laid bare: without T² the teacher pulls about T² times less, with the element mean about ten times less', async () => {
  const { page, context, errors } = await openPage(env, { hash: '#T=8' });
  await trainTo(page, 60);
  const right = await pull(page);
  const legend = await page.locator('#loss-chart').textContent();
  assert.ok(legend.includes('α·CE (labels)') && legend.includes('(1−α)·soft'), legend);
  // Unticking restarts the students with the mistake in their loss.
  await page.uncheck('#t-squared');
  await page.waitForFunction(() => !document.querySelector('#gradient-readout').textContent.includes('pulls'));
  await trainTo(page, 60);
  const noT2 = await pull(page);
  await page.check('#t-squared');
  await page.selectOption('#kl-reduction', 'mean');
  await page.waitForFunction(() => !document.querySelector('#gradient-readout').textContent.includes('pulls'));
  await trainTo(page, 60);
  const mean = await pull(page);
  console.log(`# teacher's pull at T = 8: right ${right}, without T² ${noT2}, element mean ${mean}`);
  // The closed forms say 64× and 10× on the same logits; the students differ by then.
  assert.ok(right / noT2 > 20, `${right} / ${noT2}`);
  assert.ok(right / mean > 4 && right / mean < 30, `${right} / ${mean}`);
  assert.ok((await page.url()).includes('klReduction=mean'));
  await page.locator('.panel.laid-bare').screenshot({ path: 'tests/output/laid-bare.png' });
  assert.deepEqual(errors, []);
  await context.close();
});

test('a link with a bad loss switch is refused field by field, and the switches keep their defaults', async () => {
  const { page, context, errors } = await openPage(env, { hash: '#klReduction=sum&tSquared=maybe&T=2' });
  const notice = await page.locator('.notices').textContent();
  assert.ok(notice.includes("klReduction='sum'") && notice.includes("tSquared='maybe'"), notice);
  assert.equal(await page.locator('#kl-reduction').inputValue(), 'batchmean');
  assert.ok(await page.locator('#t-squared').isChecked());
  assert.ok((await page.locator('#t-value').textContent()).includes('T = 2.00'));
  assert.deepEqual(errors, []);
  await context.close();
});

test('layer similarity: a teacher × student CKA grid with the mapping outlined, moving as the student learns', async () => {
  const { page, context, errors } = await openPage(env);
  await trainTo(page, 30);
  await page.locator('#similarity-grid').waitFor();
  const early = await similarity(page);
  assert.equal(early.values.length, 6);
  assert.ok(early.values.every((r) => r.length === 3 && r.every((v) => v >= 0 && v <= 1)), JSON.stringify(early));
  // skip: student layers 1, 2, 3 learn from teacher layers 2, 4, 6.
  const outlined = (s) => s.marked.flatMap((r, t) => r.map((m, c) => (m ? `T${t + 1}S${c + 1}` : null))).filter(Boolean);
  assert.deepEqual(outlined(early), ['T2S1', 'T4S2', 'T6S3']);
  await trainTo(page, 400);
  const later = await similarity(page);
  assert.notDeepEqual(later.values, early.values);
  assert.equal((await page.locator('#similarity-reading li').count()), 3);
  await page.click('#map-last');
  await page.waitForFunction(() => document.querySelectorAll('#similarity-grid td.marked').length === 3
    && document.querySelector('#similarity-grid tbody tr:nth-child(4) td.marked'));
  assert.deepEqual(outlined(await similarity(page)), ['T4S1', 'T5S2', 'T6S3']);
  await page.locator('.panel.similarity').screenshot({ path: 'tests/output/similarity.png' });
  assert.deepEqual(errors, []);
  await context.close();
});

test('the α × T sweep: cancel keeps the finished cells; a full grid marks its best cell and the slider still answers', async () => {
  const { page, context, errors } = await openPage(env);
  await page.fill('#sweep-steps', '300');
  await page.locator('#sweep-steps').dispatchEvent('change');
  await page.click('#sweep-run');
  await page.waitForFunction(() => [...document.querySelectorAll('#sweep-grid td')].filter((td) => /\d/.test(td.textContent)).length >= 2,
    null, { timeout: 120_000 });
  await page.click('#sweep-cancel');
  await page.waitForFunction(() => document.querySelector('#sweep-reading')?.textContent.includes('Cancelled'));
  assert.equal(await page.locator('#sweep-progress').count(), 0);
  assert.ok(await page.locator('#sweep-grid td.pending').count() >= 20);
  // The whole grid, shorter cells; the temperature slider moves the bars meanwhile.
  await page.fill('#sweep-steps', '100');
  await page.locator('#sweep-steps').dispatchEvent('change');
  await page.click('#sweep-run');
  await page.locator('#sweep-progress').waitFor();
  await page.locator('#temperature').evaluate((el) => {
    el.value = '900';
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await page.waitForFunction(() => !document.querySelector('#t-value').textContent.includes('T = 4.00'), null, { timeout: 5_000 });
  await page.waitForFunction(() => !document.querySelector('#sweep-progress')
    && document.querySelector('#sweep-reading')?.textContent.startsWith('Best cell'), null, { timeout: 240_000 });
  assert.equal(await page.locator('#sweep-grid td.pending').count(), 0);
  const cells = await page.locator('#sweep-grid tbody tr').evaluateAll((rows) =>
    rows.map((r) => [...r.querySelectorAll('td')].map((td) => parseFloat(td.textContent))));
  console.log(`# sweep, 100 steps per cell: ${JSON.stringify(cells)}`);
  assert.equal(cells.length, 5);
  // α = 1 learns from the labels alone: every T gives the same run.
  assert.ok(cells[4].every((v) => v === cells[4][0]), JSON.stringify(cells[4]));
  assert.equal(await page.locator('#sweep-grid td.best').count(), 1);
  const best = Math.max(...cells.flat());
  assert.ok((await page.locator('#sweep-grid td.best').textContent()).startsWith(best.toFixed(1)));
  await page.locator('.panel.sweep').screenshot({ path: 'tests/output/sweep.png' });
  assert.deepEqual(errors, []);
  await context.close();
});
