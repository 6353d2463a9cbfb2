// Sharing and measuring: a link that carries the trained student (opened elsewhere, damaged,
// too big), and "Compare devices" on the CPU-only path and on SwiftShader's WebGPU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedBrowser, openPage, trainTo, summary, summaryNow, withOwnBrowser, go } from './harness.mjs';

const env = sharedBrowser();

const studentBars = (page) => page.locator('.bars.student .bar').evaluateAll((g) => g.map((x) => Number(x.dataset.p)));
const steps = (page) => page.evaluate(() => Number(document.querySelector('#steps').textContent.match(/\d+/)[0]));

test('a link carries the trained student: opened elsewhere it shows that student at once; a damaged one is refused', async () => {
  const { page, context, errors } = await openPage(env, { hash: '#seed=3' });
  await trainTo(page, 150);
  const trained = await summaryNow(page);
  const bars = await studentBars(page);
  await go(page, 'tools');
  await page.click('#copy-student-link');
  await page.locator('#student-link').waitFor();
  const link = await page.locator('#student-link').inputValue();
  console.log(`# link with student: ${link.length} characters`);
  assert.ok(link.includes('seed=3') && link.includes('&weights=') && link.length < 20_000, link.slice(0, 200));
  // Someone else opens it: no training, the same student.
  const other = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const p2 = await other.newPage();
  const errors2 = [];
  p2.on('pageerror', (e) => errors2.push(String(e)));
  await p2.goto(link);
  const notice = p2.locator('.notices', { hasText: 'the student from the link' });
  await notice.waitFor({ timeout: 120_000 });
  const accuracy = Number((await notice.textContent()).match(/\(([\d.]+) % on the test set\)/)[1]);
  assert.ok(Math.abs(accuracy - trained.distilled) < 1, `${accuracy} against ${trained.distilled}`);
  assert.equal(await steps(p2), 0);
  await p2.waitForFunction((n) => document.querySelectorAll('.bars.student .bar').length === n, bars.length);
  await p2.waitForTimeout(500);
  const shown = await studentBars(p2);
  // 16-bit weights: the bars agree to about a hundredth.
  shown.forEach((p, i) => assert.ok(Math.abs(p - bars[i]) < 0.01, `${shown} vs ${bars}`));
  await p2.screenshot({ path: 'tests/output/link-opened.png' });
  // One character changed in the middle of the weights: refused with the reason, fresh students.
  const at = link.indexOf('&weights=') + 400;
  const damaged = link.slice(0, at) + (link[at] === 'A' ? 'B' : 'A') + link.slice(at + 1);
  const p3 = await other.newPage();
  await p3.goto(damaged);
  const refused = p3.locator('.notices', { hasText: 'damaged' });
  await refused.waitFor({ timeout: 120_000 });
  assert.match(await refused.textContent(), /the student in the link is damaged: .+ The page starts with fresh students/);
  await p3.locator('.bars.student').waitFor();
  assert.equal(await steps(p3), 0);
  assert.deepEqual([...errors, ...errors2], []);
  await other.close();
  await context.close();
});

test('a student too big for a link is refused politely, with its size', async () => {
  const { page, context, errors } = await openPage(env, { hash: '#data=mnist' });
  await page.locator('#data-loading').waitFor({ state: 'detached', timeout: 120_000 });
  await go(page, 'tools');
  await page.click('#copy-student-link');
  const refused = page.locator('#student-link-refused');
  await refused.waitFor({ timeout: 60_000 });
  assert.match(await refused.textContent(), /this student is \d+ characters as a link \(\d+ KB\); a link carries at most 48000 characters/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('compare devices without WebGPU: the CPU is timed and WebGPU says why not', async () => {
  const { page, context, errors } = await openPage(env);
  await go(page, 'devices');
  await page.click('#compare-devices');
  await page.waitForFunction(() => /steps\/s/.test(document.querySelector('#compare-cpu')?.textContent ?? '')
    && !document.querySelector('#compare-running'), null, { timeout: 120_000 });
  const cpu = Number((await page.locator('#compare-cpu').textContent()).match(/\d+/)[0]);
  assert.ok(cpu > 0);
  assert.match(await page.locator('#compare-webgpu').textContent(), /^not timed: .+/);
  assert.equal(await page.locator('#use-faster').count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test('compare devices on WebGPU: both timed side by side, the faster one picked and remembered', async () => {
  await withOwnBrowser({ webgpu: true }, async ({ page, errors }) => {
    await page.addInitScript(() => {
      if (!sessionStorage.getItem('started')) {
        sessionStorage.setItem('started', '1');
        localStorage.setItem('distill-playground/engine', 'webgpu');
      }
    });
    await page.goto(env.server.url);
    await page.locator('#device', { hasText: 'WebGPU' }).waitFor({ timeout: 180_000 });
    await go(page, 'devices');
    await page.click('#compare-devices');
    await page.waitForFunction(() => /steps\/s/.test(document.querySelector('#compare-webgpu')?.textContent ?? ''),
      null, { timeout: 300_000 });
    const rate = async (id) => Number((await page.locator(id).textContent()).match(/\d+/)[0]);
    const [cpu, gpu] = [await rate('#compare-cpu'), await rate('#compare-webgpu')];
    console.log(`# compare devices on SwiftShader: CPU ${cpu} steps/s, WebGPU ${gpu} steps/s`);
    await page.locator('.panel.compare').screenshot({ path: 'tests/output/compare-devices.png' });
    const cpuFaster = cpu > gpu;
    assert.equal(await page.locator('#use-faster').textContent(), `Use ${cpuFaster ? 'the CPU' : 'WebGPU'} here, and remember`);
    await page.click('#use-faster');
    assert.equal(await page.evaluate(() => localStorage.getItem('distill-playground/engine')), cpuFaster ? 'cpu' : 'webgpu');
    if (cpuFaster) await page.locator('#device', { hasText: 'CPU' }).waitFor({ timeout: 60_000 });
    assert.deepEqual(errors, []);
  });
});
