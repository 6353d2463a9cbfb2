// The page loads the wasm engine, shows its version and the device it found, and runs the shipped
// teacher on that device — once on WebGPU, once without an adapter (the CPU fallback). The page
// has two builds: the small CPU-only one starts first everywhere, and where WebGPU is wanted the
// WebGPU build takes the document over once it has loaded. This machine's adapter is SwiftShader,
// a software emulation: by itself the page then keeps to the CPU build and says why; "Try
// WebGPU" hands over to the WebGPU build in place, and either choice is remembered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sharedBrowser, summary, trainTo, withOwnBrowser, go } from './harness.mjs';

const version = readFileSync('Cargo.toml', 'utf8').match(/^version = "(.+)"/m)[1];
const env = sharedBrowser({ browser: false });

for (const webgpu of [false, true]) {
  const name = webgpu ? 'WebGPU' : 'CPU fallback';
  test(`start-up on ${name}`, async () => {
    await withOwnBrowser({ webgpu }, async ({ page, errors }) => {
      const wasms = [];
      page.on('request', (r) => { const p = new URL(r.url()).pathname; if (p.endsWith('.wasm')) wasms.push(p); });
      // As after "Try WebGPU": SwiftShader's adapter alone would keep the page on the CPU.
      if (webgpu) await page.addInitScript(() => localStorage.setItem('distill-playground/engine', 'webgpu'));
      await page.goto(env.server.url);
      await page.locator('.bars.student').waitFor({ timeout: 120_000 });
      // The soft targets come first (the CPU-only build computes them); the device badge follows.
      console.log(`# soft targets on screen from the ${await page.evaluate(() => window.distillLoader.engine)} build`);
      await page.waitForFunction(() => document.querySelector('#device')?.textContent !== 'starting…', null, { timeout: 120_000 });
      if (webgpu) await page.locator('#device', { hasText: 'WebGPU' }).waitFor({ timeout: 120_000 });
      assert.equal(await page.evaluate(() => window.distillLoader.engine), webgpu ? 'webgpu' : 'cpu');
      const builds = wasms.map((w) => (w.startsWith('/webgpu/') ? 'webgpu' : 'cpu'));
      if (webgpu) {
        assert.deepEqual(builds, ['cpu', 'webgpu'], `builds fetched: ${wasms}`);
      } else {
        // The CPU build, and maybe already once more for the worker the students train in.
        assert.ok(builds.length <= 2 && builds.every((b) => b === 'cpu'), `builds fetched: ${wasms}`);
      }
      assert.equal(await page.locator('header.top').count(), 1, 'one app in the document');
      assert.equal(await page.locator('.version').textContent(), `engine v${version}`);
      const device = await page.locator('#device').textContent();
      if (webgpu) {
        assert.equal(device, 'WebGPU');
        assert.equal(await page.locator('#fallback-reason').count(), 0);
      } else {
        assert.equal(device, 'CPU (wasm)');
        assert.match(await page.locator('#fallback-reason').textContent(), /no WebGPU adapter/);
      }
      // The teacher, run on that device, reads test digit 0 correctly.
      const reading = await page.locator('#dark-knowledge').textContent();
      const label = (await page.locator('.example-nav p').textContent()).match(/True label: (\d)/)[1];
      assert.match(reading, new RegExp(`the teacher says ${label} `), reading);
      await page.screenshot({ path: `tests/output/startup-${webgpu ? 'webgpu' : 'cpu'}.png` });
      assert.deepEqual(errors, []);
    });
  });
}

test('a software WebGPU adapter keeps the CPU build, saying why; Try WebGPU hands the page to the WebGPU build with the students, and each choice is remembered', async () => {
  await withOwnBrowser({ webgpu: true }, async ({ page, errors }) => {
    const wasms = [];
    page.on('request', (r) => { const p = new URL(r.url()).pathname; if (p.endsWith('.wasm')) wasms.push(p); });
    const choice = () => page.evaluate(() => localStorage.getItem('distill-playground/engine'));
    const ready = async (build, device) => {
      await page.locator('.bars.student').waitFor({ timeout: 120_000 });
      await page.waitForFunction((d) => document.querySelector('#device')?.textContent === d, device, { timeout: 120_000 });
      assert.equal(await page.evaluate(() => window.distillLoader.engine), build);
    };
    await page.goto(env.server.url);
    await ready('cpu', 'CPU (wasm)');
    // The CPU build, for the page and again for the worker the students train in.
    assert.ok(wasms.length >= 1 && wasms.length <= 2 && wasms.every((w) => !w.startsWith('/webgpu/')), `only the CPU build: ${wasms}`);
    assert.match(await page.locator('#fallback-reason').textContent(), /software emulation \(swiftshader\)/);
    assert.equal(await page.locator('#switch-device').textContent(), 'Try WebGPU');
    assert.equal(await choice(), null, 'nothing chosen yet');
    await page.screenshot({ path: 'tests/output/startup-software-adapter.png' });
    await trainTo(page, 30);
    const trained = await summary(page);
    await page.waitForTimeout(1500); // the paused run and the settings are saved

    const studentBars = () => page.locator('.bars.student .bar').evaluateAll((g) => g.map((x) => Number(x.dataset.p)));
    const before = await studentBars();
    wasms.length = 0;
    let loads = 0;
    page.on('load', () => loads++);
    await page.click('#switch-device');
    await ready('webgpu', 'WebGPU');
    assert.equal(loads, 0, 'no reload: the WebGPU build took the page over in place');
    assert.ok(wasms.length === 1 && wasms[0].startsWith('/webgpu/'), `only the WebGPU build: ${wasms}`);
    assert.equal(await page.locator('header.top').count(), 1, 'the CPU-only app is gone');
    assert.equal((await summary(page)).step, trained.step, 'the students came along');
    // Shown at once (computed on the CPU while the GPU compiles its kernels), not as untrained.
    const after = await studentBars();
    assert.ok(after.every((p, i) => Math.abs(p - before[i]) < 1e-3), `student bars ${before} → ${after}`);
    assert.equal(await choice(), 'webgpu');
    await page.screenshot({ path: 'tests/output/engine-switch.png' });

    await page.click('#switch-device'); // "Use the CPU": same build, now on the CPU
    await page.waitForFunction(() => document.querySelector('#device')?.textContent === 'CPU (wasm)', null, { timeout: 60_000 });
    assert.equal(await choice(), 'cpu');
    await page.waitForTimeout(1500);
    wasms.length = 0;
    await page.reload();
    await ready('cpu', 'CPU (wasm)');
    // The CPU build, for the page and again for the worker the students train in.
    assert.ok(wasms.length >= 1 && wasms.length <= 2 && wasms.every((w) => !w.startsWith('/webgpu/')), `only the CPU build: ${wasms}`);
    assert.match(await page.locator('#fallback-reason').textContent(), /you chose the CPU/);
    assert.equal((await summary(page)).step, trained.step);
    assert.deepEqual(errors, []);
  });
});

test('training goes on through the hand-over to the WebGPU build', async () => {
  await withOwnBrowser({ webgpu: true }, async ({ page, errors }) => {
    await page.goto(env.server.url);
    await page.locator('#device', { hasText: 'CPU (wasm)' }).waitFor({ timeout: 120_000 });
    await page.click('#play');
    const steps = () => page.evaluate(() => Number(document.querySelector('#steps').textContent.match(/\d+/)[0]));
    await page.waitForFunction(() => Number(document.querySelector('#steps').textContent.match(/\d+/)[0]) >= 50, null, { timeout: 60_000 });
    await page.click('#switch-device'); // "Try WebGPU" while training
    await page.locator('#device', { hasText: 'WebGPU' }).waitFor({ timeout: 120_000 });
    const handed = await steps();
    assert.ok(handed >= 50, `the students came along at step ${handed}`);
    assert.equal(await page.locator('#play').textContent(), 'Pause', 'still training');
    // SwiftShader compiles each kernel on first use: the first WebGPU steps take a while.
    await page.waitForFunction((n) => Number(document.querySelector('#steps').textContent.match(/\d+/)[0]) > n, handed, { timeout: 120_000 });
    await page.click('#play');
    assert.deepEqual(errors, []);
  });
});

test('a WebGPU build that cannot be fetched leaves the page on the CPU, saying why, and Try WebGPU fetches it again', async () => {
  await withOwnBrowser({ webgpu: true }, async ({ page }) => {
    await page.addInitScript(() => localStorage.setItem('distill-playground/engine', 'webgpu'));
    await page.route(/\/webgpu\/.*\.wasm/, (route) => route.fulfill({ status: 404, body: 'gone' }));
    await page.goto(env.server.url);
    await page.locator('.bars.student').waitFor({ timeout: 120_000 });
    await page.waitForFunction(() => /did not load/.test(document.querySelector('#fallback-reason')?.textContent ?? ''), null, { timeout: 60_000 });
    assert.equal(await page.locator('#device').textContent(), 'CPU (wasm)');
    assert.equal(await page.evaluate(() => window.distillLoader.engine), 'cpu');
    assert.equal(await page.locator('#switch-device').textContent(), 'Try WebGPU');
    await page.screenshot({ path: 'tests/output/webgpu-build-missing.png' });
    // The page keeps working on the CPU.
    await page.click('#step');
    await page.locator('#steps', { hasText: 'step 1' }).waitFor({ timeout: 30_000 });
    // Once the build can be fetched, "Try WebGPU" fetches it again and hands over.
    await page.unroute(/\/webgpu\/.*\.wasm/);
    await page.click('#switch-device');
    await page.locator('#device', { hasText: 'WebGPU' }).waitFor({ timeout: 120_000 });
    assert.equal(await page.evaluate(() => window.distillLoader.engine), 'webgpu');
    assert.match(await page.locator('#steps').textContent(), /step 1/);
  });
});

test('an automatic hand-over never drops a teacher loaded in the page', async () => {
  await withOwnBrowser({ webgpu: true, page: { acceptDownloads: true } }, async ({ page, errors }) => {
    await page.addInitScript(() => localStorage.setItem('distill-playground/engine', 'webgpu'));
    // The WebGPU build is held back until the page has a teacher of its own.
    let release;
    const held = new Promise((r) => (release = r));
    await page.route(/\/webgpu\/.*\.wasm/, async (route) => { await held; await route.continue(); });
    await page.goto(env.server.url);
    await page.locator('#fallback-reason', { hasText: 'still loading' }).waitFor({ timeout: 120_000 });
    await go(page, 'tools');
    const [file] = await Promise.all([page.waitForEvent('download'), page.click('#download-teacher')]);
    await file.saveAs('tests/output/handover-teacher.safetensors');
    await page.selectOption('#load-as', 'teacher');
    await page.setInputFiles('#load-file', 'tests/output/handover-teacher.safetensors');
    await page.locator('.notices', { hasText: 'Loaded the teacher' }).waitFor({ timeout: 30_000 });
    release();
    await page.locator('#fallback-reason', { hasText: 'would drop the teacher made here' }).waitFor({ timeout: 120_000 });
    assert.equal(await page.evaluate(() => window.distillLoader.engine), 'cpu');
    assert.equal(await page.locator('#device').textContent(), 'CPU (wasm)');
    assert.equal(await page.locator('#switch-device').textContent(), 'Try WebGPU');
    assert.match(await page.locator('.notices').textContent(), /Loaded the teacher/);
    assert.deepEqual(errors, []);
  });
});

test('a WebGPU build that fails to start after the hand-over brings the page back on the CPU with the students', async () => {
  await withOwnBrowser({ webgpu: true }, async ({ page }) => {
    // Glue that loads but whose start fails, as a build whose instantiation fails would.
    await page.route(/\/webgpu\/.*\.js/, (route) =>
      route.fulfill({ contentType: 'text/javascript', body: "export default async function () { throw new Error('this WebGPU build is broken'); }" }));
    await page.goto(env.server.url);
    await page.locator('#device', { hasText: 'CPU (wasm)' }).waitFor({ timeout: 120_000 });
    await trainTo(page, 30);
    const trained = await summary(page);
    await page.waitForTimeout(1500); // the paused run and the settings are saved
    await Promise.all([page.waitForEvent('load', { timeout: 60_000 }), page.click('#switch-device')]);
    await page.locator('#fallback-reason', { hasText: 'did not start' }).waitFor({ timeout: 120_000 });
    assert.match(await page.locator('#fallback-reason').textContent(), /this WebGPU build is broken/);
    assert.equal(await page.evaluate(() => window.distillLoader.engine), 'cpu');
    assert.equal((await summary(page)).step, trained.step, 'the students survived');
    assert.equal(await page.locator('#switch-device').textContent(), 'Try WebGPU');
  });
});
