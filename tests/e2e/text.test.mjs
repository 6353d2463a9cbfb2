// The text set in the page: typing a message, the tokens and soft targets, attention maps as the
// students train, the three student kinds, presets that beat scratch, bad text, a failed fetch,
// phone width, and weight files in and out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedBrowser, summary, trainTo, withOwnBrowser } from './harness.mjs';

const env = sharedBrowser();

/** A page on the text set, once its teacher has read the messages and the students exist. */
async function openText(hash = '', { downloads = false } = {}) {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: downloads });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(env.server.url + '#data=spam' + hash);
  await ready(page);
  return { page, context, errors };
}

/** Waits until the students exist (the compression table is filled when they are built). */
async function ready(page) {
  await page.locator('#kinds-table').waitFor({ timeout: 180_000 });
  await page.locator('#attention-teacher').waitFor({ timeout: 60_000 });
}

const teacherBars = (page) => page.locator('.bars.teacher .bar').evaluateAll((g) => g.map((x) => x.dataset.p));

/** Types a message and waits until the bars show it (their version caught up with the box). */
async function type(page, text) {
  const before = await page.locator('.bars-row').getAttribute('data-input').catch(() => null);
  await page.fill('#message', text);
  await page.waitForFunction((before) => {
    const row = document.querySelector('.bars-row');
    return row && row.dataset.input !== before && row.dataset.input === row.dataset.shown;
  }, before, { timeout: 30_000 });
}

const digest = (page, id) => page.locator(`#${id} figure.attention-map`).first().getAttribute('data-digest');

test('text: typing changes the bars, the tokens show [CLS], [UNK] and the cut, T redraws in the same frame, bad text gets a word', async () => {
  const { page, context, errors } = await openText();
  assert.equal(await page.locator('#dataset').inputValue(), 'spam');
  await type(page, 'Meeting agenda for the project review on Thursday, see the attached minutes');
  const ham = await teacherBars(page);
  await type(page, 'FREE money!!! Click here now to claim your cash prize zxqwvb');
  const spam = await teacherBars(page);
  assert.notDeepEqual(spam, ham, 'the teacher reads the new message');
  const tokens = await page.locator('#tokens .token').allTextContents();
  assert.equal(tokens[0], '[CLS]');
  assert.equal(tokens.at(-1), '[SEP]');
  assert.ok(tokens.includes('[UNK]'), tokens.join(' '));
  assert.ok(tokens.includes('money'), tokens.join(' '));
  // Dragging T redraws the bars before the next frame is painted.
  const frame = await page.evaluate(() => new Promise((resolve) => {
    const slider = document.getElementById('temperature');
    const before = [...document.querySelectorAll('.bars.teacher .bar')].map((b) => b.dataset.p);
    slider.value = String(Number(slider.value) > 500 ? 100 : 900);
    slider.dispatchEvent(new Event('input', { bubbles: true }));
    requestAnimationFrame(() => resolve({
      before,
      after: [...document.querySelectorAll('.bars.teacher .bar')].map((b) => b.dataset.p),
      t: document.getElementById('t-value').textContent,
    }));
  }));
  assert.notDeepEqual(frame.after, frame.before, 'redrawn in the same frame');
  // Bad text: nothing, 10,000 characters, emoji and control characters.
  await page.fill('#message', '   ');
  await page.locator('#message-problem').waitFor();
  assert.match(await page.locator('#message-problem').textContent(), /no words/);
  assert.equal(await page.locator('.bars.teacher').count(), 0, 'no bars for an empty message');
  await type(page, 'money '.repeat(1700));
  assert.match(await page.locator('#token-note').textContent(), /past the 64-token limit.*first 2000 characters/);
  await type(page, 'win 💸💸 now\u0007 \u202e!');
  assert.ok((await page.locator('#tokens .token').allTextContents()).includes('[UNK]'));
  // An example message of each class, and the way back to the test messages.
  await page.click('#example-message-6');
  assert.match(await page.locator('#example-message-6 .tag').textContent(), /spam/);
  assert.equal(await page.locator('#message').inputValue(), await page.locator('#example-message-6').getAttribute('title'));
  await page.click('#message-stop');
  await page.locator('#example').waitFor();
  await page.screenshot({ path: 'tests/output/text-message.png', fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});
