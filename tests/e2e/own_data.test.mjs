// Your own data, as a user brings it: a CSV with a mistake (named by line and column, nothing
// lost), then a good one (a teacher trained here, students, decision maps), a reload that finds
// it kept, and a link to it on another computer (asked for again).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedBrowser, openPage, trainTo, summary, linkHolds, go } from './harness.mjs';

const env = sharedBrowser();

/** Three blobs in the plane, 600 rows, label column "kind" first; seeded. */
function blobs() {
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const normal = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const centres = { red: [0, 3], green: [-3, -2], blue: [3, -2] };
  const lines = ['kind,x1,x2'];
  for (let i = 0; i < 600; i++) {
    const name = Object.keys(centres)[i % 3];
    const [cx, cy] = centres[name];
    lines.push(`${name},${(cx + normal()).toFixed(3)},${(cy + normal()).toFixed(3)}`);
  }
  return lines.join('\n') + '\n';
}

const upload = (page, name, text) => page.setInputFiles('#own-file', { name, mimeType: 'text/csv', buffer: Buffer.from(text) });

test('your own CSV: a mistake is named by line and column; a good file trains a teacher here and distils; a reload keeps it', async () => {
  const { page, context, errors } = await openPage(env);
  await go(page, 'tools');
  // The label column is first and not called "label": the user names it.
  await page.fill('#own-label', 'kind');
  const bad = blobs().split('\n');
  bad[4] = 'red,1.5,abc';
  await upload(page, 'broken.csv', bad.join('\n'));
  const error = page.locator('.notices', { hasText: 'broken.csv' });
  await error.waitFor({ timeout: 60_000 });
  assert.match(await error.textContent(), /line 5, column 'x2': 'abc' is not a number\. The page is as it was/);
  await page.click('.notices button');

  await upload(page, 'blobs.csv', blobs());
  await page.locator('#own-progress').waitFor({ timeout: 60_000 });
  const ready = page.locator('.notices', { hasText: "Your data 'blobs.csv'" });
  await ready.waitFor({ timeout: 180_000 });
  const text = await ready.textContent();
  assert.match(text, /600 rows, 2 features, 3 classes/);
  assert.match(text, /Nothing was uploaded/);
  const teacher = Number(text.match(/reaches ([\d.]+) %/)[1]);
  assert.ok(teacher > 90, text);
  await page.locator('#own-summary').waitFor({ timeout: 60_000 });
  assert.match(await page.locator('#own-summary').textContent(), /480 training and 120 test rows, 2 features, 3 classes/);
  await page.locator('.panel.own-data').screenshot({ path: 'tests/output/own-data.png' });
  await go(page, 'playground');
  assert.equal(await page.locator('#dataset').inputValue(), 'own');
  await linkHolds(page, 'data=own', 'own=blobs.csv');
  // Two features: decision maps, three of them.
  await page.locator('#map-teacher').waitFor({ timeout: 60_000 });
  await trainTo(page, 150);
  const s = await summary(page);
  console.log(`# own blobs: teacher ${teacher} %, after ${s.step} steps distilled ${s.distilled} %, scratch ${s.scratch} %`);
  assert.ok(s.distilled > 80, JSON.stringify(s));
  await page.locator('.panel.maps').screenshot({ path: 'tests/output/own-maps.png' }).catch(() => {});

  // A reload finds the file kept in this browser and trains its teacher again.
  await go(page, 'tools');
  await page.reload();
  await page.locator('#own-summary').waitFor({ timeout: 180_000 });
  await go(page, 'playground');
  assert.equal(await page.locator('#dataset').inputValue(), 'own');

  // The link on a computer that never saw the file: asked for again, the page on the digits.
  const other = await env.browser.newContext();
  const p2 = await other.newPage();
  await p2.goto(page.url());
  const asked = p2.locator('.notices', { hasText: 'stays on your computer' });
  await asked.waitFor({ timeout: 120_000 });
  assert.match(await asked.textContent(), /pick it again under "Your own data"/);
  await p2.locator('.bars.student').waitFor({ timeout: 120_000 });
  assert.equal(await p2.locator('#dataset').inputValue(), 'digits');
  await other.close();
  assert.deepEqual(errors, []);
  await context.close();
});

test('a CSV with one class, or with too many, is refused with the reason and the page keeps its run', async () => {
  const { page, context, errors } = await openPage(env);
  await trainTo(page, 40);
  const before = await summary(page);
  await go(page, 'tools');
  await upload(page, 'one.csv', 'a,b,label\n' + '1,2,x\n'.repeat(20));
  await page.locator('.notices', { hasText: "one class only ('x')" }).waitFor({ timeout: 60_000 });
  await page.click('.notices button');
  await upload(page, 'ids.csv', 'a,id\n' + Array.from({ length: 80 }, (_, i) => `1,${i}`).join('\n'));
  await page.locator('.notices', { hasText: '80 classes; the page takes at most 50' }).waitFor({ timeout: 60_000 });
  await go(page, 'playground');
  assert.equal(await page.locator('#dataset').inputValue(), 'digits');
  assert.equal((await summary(page)).step, before.step, 'the run is as it was');
  assert.deepEqual(errors, []);
  await context.close();
});
