// The page loads the wasm engine, shows its version and the device it found, and runs the shipped
// teacher on that device — once with a WebGPU adapter, once without (the CPU fallback).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch } from './browser.mjs';
import { sharedBrowser } from './harness.mjs';

const version = readFileSync('Cargo.toml', 'utf8').match(/^version = "(.+)"/m)[1];
const env = sharedBrowser({ browser: false });

for (const webgpu of [false, true]) {
  const name = webgpu ? 'WebGPU' : 'CPU fallback';
  test(`start-up on ${name}`, async () => {
    const browser = await launch({ webgpu });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(env.server.url);
      await page.locator('.bars.student').waitFor({ timeout: 120_000 });
      // The soft targets come first (computed on the CPU); the device badge follows.
      await page.waitForFunction(() => document.querySelector('#device')?.textContent !== 'starting…', null, { timeout: 120_000 });
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
    } finally {
      await browser.close();
    }
  });
}
