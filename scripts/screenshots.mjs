// The README's pictures of the page's places, taken from the trunk build in dist/ with the same
// server and browser as the Playwright tests: `node scripts/screenshots.mjs` (after
// `trunk build --release`). Writes www/screenshots/{playground,labs,tools,phone}.png.
import { mkdir } from 'node:fs/promises';
import { serveDist } from '../tests/e2e/server.mjs';
import { launch } from '../tests/e2e/browser.mjs';
import { trainTo, go, studentsReady } from '../tests/e2e/harness.mjs';

const OUT = 'www/screenshots';

/** The playground after 400 steps at 1280×800, then the labs' index and the tools. */
async function desktop(browser, url) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(url);
  await studentsReady(page);
  await trainTo(page, 400);
  await page.screenshot({ path: `${OUT}/playground.png` });
  await go(page, 'labs');
  await page.screenshot({ path: `${OUT}/labs.png` });
  await go(page, 'tools');
  await page.screenshot({ path: `${OUT}/tools.png` });
  await page.close();
}

/** The playground on a phone: T and the three distributions on one screen. */
async function phone(browser, url) {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await page.goto(url);
  await studentsReady(page);
  await page.screenshot({ path: `${OUT}/phone.png` });
  await page.close();
}

await mkdir(OUT, { recursive: true });
const server = await serveDist();
const browser = await launch({ webgpu: false });
try {
  await desktop(browser, server.url);
  await phone(browser, server.url);
} finally {
  await browser.close();
  await server.close();
}
