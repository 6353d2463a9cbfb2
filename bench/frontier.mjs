// The "Smaller networks" lab in the served release build (dist/), headless Chromium on the CPU
// build: the digits' teacher and the page's distilled student (150 steps) made small, 50
// fine-tuning steps a point, every point's bytes, accuracy and forward time as the page
// measured them in its worker. Writes bench/frontier.json. Numbers are reported, never asserted.
import { writeFileSync } from 'node:fs';
import { serveDist } from '../tests/e2e/server.mjs';
import { launch } from '../tests/e2e/browser.mjs';

const server = await serveDist();
const browser = await launch({ webgpu: false });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(server.url);
  await page.locator('#steps[data-ready="true"]').waitFor({ timeout: 120_000 });
  await page.click('#play');
  await page.waitForFunction(() => Number(document.querySelector('#steps').textContent.match(/\d+/)[0]) >= 150, null, { timeout: 120_000 });
  await page.click('#play');
  await page.click('#go-labs');
  await page.click('#open-compress');
  await page.fill('#compress-steps', '50');
  await page.locator('#compress-steps').dispatchEvent('change');
  await page.click('#compress-run');
  await page.locator('#compress-progress').waitFor();
  await page.locator('#compress-progress').waitFor({ state: 'detached', timeout: 600_000 });
  const points = await page.locator('#compress-plot .pt').evaluateAll((gs) => gs.map((g) => ({
    label: g.getAttribute('aria-label').split(':')[0],
    bytes: Number(g.dataset.bytes),
    accuracy: Number(g.dataset.accuracy),
    forward_ms: Number(g.dataset.ms),
  })));
  writeFileSync('bench/frontier.json', `${JSON.stringify({ when: new Date().toISOString(), page: points }, null, 1)}\n`);
  console.error(`# ${points.length} points in the page`);
  await context.close();
} finally {
  await browser.close();
  await server.close();
}
