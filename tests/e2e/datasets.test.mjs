// The datasets in the page: a 2-D set's decision maps (teacher, distilled, scratch) drawn as they
// train, MNIST at 28×28 with its full test set and drawing grid, and a set that fails to load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedBrowser, openPage, summary, trainTo, go, drawStroke } from './harness.mjs';

const env = sharedBrowser();

/** A decision map's pixels, kept in the page as `window.maps[key]` (copying them out is slow). */
async function snapshot(page, id, key) {
  await page.evaluate(([id, key]) => {
    const c = document.getElementById(id);
    window.maps ??= {};
    window.maps[key] = c.getContext('2d').getImageData(0, 0, c.width, c.height).data.slice();
  }, [id, key]);
}

/** Share of pixels whose colour moved by more than a faint shade between two snapshots. */
async function changedShare(page, a, b) {
  return page.evaluate(([a, b]) => {
    const [x, y] = [window.maps[a], window.maps[b]];
    let changed = 0;
    for (let i = 0; i < x.length; i += 4) {
      if (Math.abs(x[i] - y[i]) + Math.abs(x[i + 1] - y[i + 1]) + Math.abs(x[i + 2] - y[i + 2]) > 30) changed++;
    }
    return changed / (x.length / 4);
  }, [a, b]);
}

/** Mean brightness of a snapshot (255 = white): maps grow paler as the networks grow unsure. */
async function brightness(page, key) {
  return page.evaluate((key) => {
    const px = window.maps[key];
    let sum = 0;
    for (let i = 0; i < px.length; i += 4) sum += (px[i] + px[i + 1] + px[i + 2]) / 3;
    return sum / (px.length / 4);
  }, key);
}

test('2-D set: the three decision maps are drawn, the students\' maps change as they train', async () => {
  const { page, context, errors } = await openPage(env, { hash: '#data=spirals&seed=1' });
  await page.locator('#map-agreement').waitFor();
  assert.equal(await page.locator('#dataset').inputValue(), 'spirals');
  const maps = ['map-teacher', 'map-student', 'map-scratch'];
  for (const id of maps) await snapshot(page, id, `${id}-0`);
  await trainTo(page, 300);
  await page.waitForTimeout(400); // the last refresh after the pause
  const moved = {};
  for (const id of maps) {
    await snapshot(page, id, `${id}-300`);
    moved[id] = await changedShare(page, `${id}-0`, `${id}-300`);
  }
  console.log(`# map pixels changed by 300 steps: ${JSON.stringify(moved)}`);
  assert.equal(moved['map-teacher'], 0, 'the teacher is frozen: its map stays');
  assert.ok(moved['map-student'] > 0.1, 'the distilled student\'s map changes as it trains');
  assert.ok(moved['map-scratch'] > 0.1, 'the scratch student\'s map changes as it trains');
  // Longer: the distilled student follows the teacher's spiral better than the scratch student,
  // which has only the 70 labeled points.
  await trainTo(page, 1000);
  await page.waitForTimeout(400);
  const agreement = await page.locator('#map-agreement').textContent();
  console.log(`# ${agreement}`);
  const [, distilled, scratch] = agreement.match(/on (\d+) % of the map, the scratch student on (\d+) %/).map(Number);
  assert.ok(distilled >= scratch + 4, agreement);
  // Hot T: every map turns paler (less sure), without retraining.
  const cool = await brightness(page, 'map-teacher-300');
  await page.locator('#temperature').focus();
  await page.keyboard.press('End');
  await page.waitForFunction(() => document.querySelector('#t-value').textContent.includes('50'));
  await page.waitForTimeout(200);
  await snapshot(page, 'map-teacher', 'hot');
  const hot = await brightness(page, 'hot');
  assert.ok(hot > cool + 20, `brightness ${cool.toFixed(0)} → ${hot.toFixed(0)} at T = 50`);
  await page.keyboard.press('Home');
  // Click a map: the soft targets at that point; the arrows move it.
  await page.locator('#map-teacher').click({ position: { x: 30, y: 30 } });
  await page.locator('#probe').waitFor();
  const probe = async () => (await page.locator('#probe').textContent()).match(/\((-?[\d.]+), (-?[\d.]+)\)/).slice(1).map(Number);
  const [x, y] = await probe();
  assert.ok(Math.abs(x + 0.975) < 0.03 && Math.abs(y - 0.975) < 0.03, `clicked (${x}, ${y})`);
  assert.equal(await page.locator('.bars.teacher .bar').count(), 2, 'two classes');
  assert.equal(await page.locator('.bars.hard').count(), 0, 'a probed point has no label');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction((x0) => Number(document.querySelector('#probe').textContent.match(/\((-?[\d.]+),/)[1]) > x0 + 0.05, x);
  await page.locator('.panel.maps').screenshot({ path: 'tests/output/maps.png' });
  await page.click('#probe-stop');
  await page.locator('#probe').waitFor({ state: 'detached' });
  // A teacher trained here on the 2-D set replaces the shipped one: its map is redrawn.
  await snapshot(page, 'map-teacher', 'shipped');
  await go(page, 'tools');
  await page.click('#train-teacher');
  const notice = page.locator('.notices', { hasText: 'Loaded the teacher trained here' });
  await notice.waitFor({ timeout: 120_000 });
  await go(page, 'playground');
  const accuracy = Number((await notice.textContent()).match(/([\d.]+) % on the test set/)[1]);
  console.log(`# spirals teacher trained in the page: ${accuracy} %`);
  assert.ok(accuracy > 80, `teacher ${accuracy} % (chance 50 %)`);
  await page.waitForFunction(() => document.querySelector('#steps').textContent === 'step 0');
  await page.waitForTimeout(400);
  await snapshot(page, 'map-teacher', 'trained');
  assert.ok(await changedShare(page, 'shipped', 'trained') > 0.02, 'the new teacher\'s map is drawn');
  assert.deepEqual(errors, []);
  await context.close();
});

test('MNIST: 28×28 digits, all 10,000 test images, students that learn, a 28×28 drawing grid', async () => {
  const { page, context, errors } = await openPage(env);
  await page.selectOption('#dataset', 'mnist');
  await page.locator('#example[max="9999"]').waitFor({ timeout: 60_000 });
  await page.locator('.bars.student').waitFor();
  assert.equal(await page.locator('.digit rect').count(), 784, 'a 28×28 test image');
  await page.waitForFunction(() => location.hash.includes('data=mnist'));
  await trainTo(page, 100);
  const s = await summary(page);
  console.log(`# MNIST after ${s.step} steps: distilled ${s.distilled} %, scratch ${s.scratch} %`);
  assert.ok(s.distilled > 40, `distilled ${s.distilled} % (chance is 10 %)`);
  // Draw: a vertical stroke down the middle, then two cells by keyboard.
  await page.click('#draw-start');
  await page.locator('#draw-grid').waitFor();
  assert.equal(await page.locator('#draw-grid .cell').count(), 784);
  await drawStroke(page, 5 * 28 + 14, 22 * 28 + 14);
  // Four pointer moves over 17 rows: the cells between are painted too.
  const dark = await page.locator('#draw-grid .cell').evaluateAll((cells) =>
    cells.filter((c) => c.getAttribute('fill') === 'rgb(0,0,0)').map((c) => Number(c.dataset.cell)));
  for (let r = 5; r <= 22; r++) assert.ok(dark.includes(r * 28 + 14), `row ${r} painted`);
  await page.waitForFunction(() => document.querySelector('#dark-knowledge').textContent.includes('teacher says'));
  await page.waitForTimeout(300);
  const reading = await page.locator('#dark-knowledge').textContent();
  console.log(`# drawn MNIST stroke: ${reading}`);
  assert.match(reading, /teacher says 1 /, 'a vertical stroke reads as a 1');
  await page.locator('#draw-grid .cell[data-cell="0"]').focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Shift+ArrowRight');
  assert.equal(await page.locator('#draw-grid .cell[data-cell="1"]').getAttribute('fill'), 'rgb(0,0,0)');
  assert.equal(await page.locator('#draw-grid .cell[data-cell="1"]').getAttribute('tabindex'), '0', 'the focus moved');
  await page.screenshot({ path: 'tests/output/mnist.png' });
  assert.deepEqual(errors, []);
  await context.close();
});

test('a dataset that cannot be loaded is reported and changes nothing', async () => {
  const { page, context } = await openPage(env);
  await context.route('**/assets/data/mnist/**', (route) => route.fulfill({ status: 404, body: 'gone' }));
  await page.click('#step');
  await page.waitForFunction(() => document.querySelector('#steps').textContent === 'step 1');
  await page.selectOption('#dataset', 'mnist');
  await page.locator('#error').waitFor();
  assert.match(await page.locator('#error').textContent(), /Could not load MNIST.*404.*Nothing was changed/);
  assert.equal(await page.locator('#dataset').inputValue(), 'digits', 'the menu shows the set in use');
  assert.equal(await page.locator('#steps').textContent(), 'step 1', 'the students were kept');
  assert.match(page.url(), /data=digits/);
  await context.close();
  // A link naming a set that cannot be loaded falls back to digits with the reason.
  const second = await env.browser.newContext();
  await second.route('**/assets/teachers/moons.safetensors', (route) => route.fulfill({ status: 200, body: 'not a weight file' }));
  const p2 = await second.newPage();
  await p2.goto(env.server.url + '#data=moons');
  await p2.locator('#error').waitFor({ timeout: 60_000 });
  assert.match(await p2.locator('#error').textContent(), /Could not load Two moons.*uses Digits/);
  await p2.locator('.bars.student').waitFor();
  assert.equal(await p2.locator('#dataset').inputValue(), 'digits');
  await second.close();
});
