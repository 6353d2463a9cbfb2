// Training in the page as a class would see it: a few hundred steps on the CPU (wasm) lift the
// distilled student well above chance; a reload picks the students up where they were; a few
// steps run on WebGPU, and a WebGPU device that dies mid-run hands the students to the CPU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedBrowser, summary, trainTo, withOwnBrowser, go } from './harness.mjs';

// Each test here launches its own browser (WebGPU or not, phone or desktop).
const env = sharedBrowser({ browser: false });

const steps = async (page) => Number((await page.locator('#steps').textContent()).match(/step (\d+)/)[1]);

test('a few hundred steps on the CPU: accuracy well above chance, and a reload keeps the students', async () => {
  await withOwnBrowser({ webgpu: false }, async ({ page, errors }) => {
    await page.goto(env.server.url);
    await page.locator('.bars.student').waitFor({ timeout: 120_000 });
    const started = Date.now();
    await trainTo(page, 300);
    const seconds = (Date.now() - started) / 1000;
    const after = await summary(page);
    console.log(`# trained to step ${await steps(page)} in ${seconds.toFixed(1)} s: distilled ${after.distilled} %, scratch ${after.scratch} %`);
    // Ten classes: chance is 10 %.
    assert.ok(after.distilled > 60, `distilled ${after.distilled} %`);
    assert.ok(after.step >= 300);
    // The distilled student's curve runs across the chart and climbs (SVG y grows downwards).
    const curve = (await page.locator('#acc-chart polyline.student').getAttribute('points'))
      .trim().split(/\s+/).map((p) => p.split(',').map(Number));
    assert.ok(curve.length >= 3, `${curve.length} points`);
    assert.ok(curve.at(-1)[0] > curve[0][0], 'later points further right');
    assert.ok(curve.at(-1)[1] < curve[0][1], `accuracy rises: y ${curve[0][1]} → ${curve.at(-1)[1]}`);
    await page.screenshot({ path: 'tests/output/training.png', fullPage: true });

    // Reload: the same students come back at the same step, with their curves.
    const stepBefore = await steps(page);
    await page.waitForTimeout(300); // the pause writes the final save
    await page.reload();
    await page.locator('#summary').waitFor({ timeout: 120_000 });
    assert.equal(await steps(page), stepBefore);
    assert.deepEqual(await summary(page), after);
    assert.match(await page.locator('.notices').textContent(), new RegExp(`step ${stepBefore}`));
    // And they keep learning from there.
    await page.click('#step');
    await page.locator('#steps', { hasText: `step ${stepBefore + 1}` }).waitFor({ timeout: 60_000 });
    // Reset forgets them for good.
    await page.click('#reset');
    await page.reload();
    await page.locator('.bars.student').waitFor({ timeout: 120_000 });
    assert.equal(await steps(page), 0);
    assert.deepEqual(errors, []);
  });
});

test('phone width: every panel stacks and stays usable', async () => {
  await withOwnBrowser({ webgpu: false, page: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } }, async ({ page }) => {
    await page.goto(env.server.url);
    await page.locator('.bars.student').waitFor({ timeout: 120_000 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px`);
    // Slider position 800 of 1000 on the log scale 0.5–50: T = 0.5 · 100^0.8.
    await page.getByLabel('Temperature').fill('800');
    assert.match(await page.locator('#t-value').textContent(), /T = 19\.91/);
    await page.screenshot({ path: 'tests/output/phone.png', fullPage: true });
  });
});

test('WebGPU: steps run on the GPU, and a lost device hands the students to the CPU', async () => {
  await withOwnBrowser({ webgpu: true, page: { acceptDownloads: true } }, async ({ page, errors }) => {
    // WebGPU although SwiftShader's adapter alone would keep the page on the CPU (as after "Try
    // WebGPU"); and a handle on every GPUDevice the page creates, so the test can destroy it.
    await page.addInitScript(() => {
      localStorage.setItem('distill-playground/engine', 'webgpu');
      const request = GPUAdapter.prototype.requestDevice;
      window.__devices = [];
      GPUAdapter.prototype.requestDevice = async function (...args) {
        const device = await request.apply(this, args);
        window.__devices.push(device);
        return device;
      };
    });
    await page.goto(env.server.url);
    await page.locator('#device', { hasText: 'WebGPU' }).waitFor({ timeout: 120_000 });
    for (let i = 1; i <= 3; i++) {
      await page.click('#step');
      await page.locator('#steps', { hasText: `step ${i}` }).waitFor({ timeout: 60_000 });
    }
    // The student trained on the GPU downloads (read back asynchronously, never synchronously).
    await go(page, 'tools');
    const [file] = await Promise.all([page.waitForEvent('download'), page.click('#download-student')]);
    assert.equal(file.suggestedFilename(), 'distilled-student-step3.safetensors');
    await file.saveAs('tests/output/webgpu-student.safetensors');
    await go(page, 'playground');
    await page.waitForTimeout(300); // the pause writes a save
    await page.evaluate(() => window.__devices.forEach((d) => d.destroy()));
    await page.click('#step');
    await page.locator('#device', { hasText: 'CPU' }).waitFor({ timeout: 60_000 });
    assert.match(await page.locator('.notices').textContent(), /WebGPU stopped working .*continuing on the CPU from step 3/);
    assert.match(await page.locator('#fallback-reason').textContent(), /WebGPU stopped working mid-run/);
    // Training goes on from the saved step on the CPU.
    await page.click('#step');
    await page.waitForFunction(() => Number(document.querySelector('#steps').textContent.match(/\d+/)[0]) >= 4, null, { timeout: 60_000 });
    assert.match(await page.locator('#dark-knowledge').textContent(), /At T = [\d.]+ the teacher says \d \(\d+ %\)/);
    await page.screenshot({ path: 'tests/output/webgpu-lost.png' });
    assert.deepEqual(errors, []);
  });
});
