// The text set in the page: typing a message, the tokens and soft targets, attention maps as the
// students train, the three student kinds, presets that beat scratch, bad text, a failed fetch,
// phone width, and weight files in and out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedBrowser, summary, trainTo, withOwnBrowser, linkHolds, go, studentsReady, typeMessage, textMatching } from './harness.mjs';

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

/** Waits until the students exist, and the teacher's attention is drawn. */
async function ready(page) {
  await page.locator('#steps[data-ready="true"]').waitFor({ timeout: 180_000 });
  await page.locator('#attention-teacher').waitFor({ timeout: 60_000 });
}

const teacherBars = (page) => page.locator('.bars.teacher .bar').evaluateAll((g) => g.map((x) => x.dataset.p));

/** The distilled and the scratch student's test accuracy (percent) at exactly step `n`, read from
 * the accuracy chart's values (the run pauses a little later; this is the same step every run). */
async function accuracyAt(page, n) {
  const at = async (cls) => {
    const values = await page.locator(`#acc-chart polyline.${cls}`).getAttribute('data-values');
    const point = values.split(' ').map((p) => p.split(':').map(Number)).find(([x]) => x === n);
    assert.ok(point, `no point at step ${n} in ${values}`);
    return Math.round(point[1] * 1000) / 10;
  };
  return { step: n, distilled: await at('student'), scratch: await at('scratch') };
}

const digest = (page, id) => page.locator(`#${id} figure.attention-map`).first().getAttribute('data-digest');

test('text: typing changes the bars, the tokens show [CLS], [UNK] and the cut, T redraws in the same frame, bad text gets a word', async () => {
  const { page, context, errors } = await openText();
  assert.equal(await page.locator('#dataset').inputValue(), 'spam');
  // It opens on a short message (the first test e-mail fills all 64 tokens): every head's lines
  // are drawn, and the link names the example.
  const opening = await page.locator('#tokens .token').allTextContents();
  assert.ok(opening.length <= 24 && opening[0] === '[CLS]', opening.join(' '));
  await page.locator('#head-view-teacher .head-token').first().waitFor();
  assert.match(await page.evaluate(() => location.hash), /example=[1-9]/);
  await typeMessage(page, 'Meeting agenda for the project review on Thursday, see the attached minutes');
  const ham = await teacherBars(page);
  await typeMessage(page, 'FREE money!!! Click here now to claim your cash prize zxqwvb');
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
  await typeMessage(page, 'money '.repeat(1700));
  assert.match(await page.locator('#token-note').textContent(), /past the 64-token limit.*first 2000 characters/);
  await typeMessage(page, 'win 💸💸 now\u0007 \u202e!');
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

/** Distilled minus scratch test accuracy (points) of each text preset at step 100, measured in
 * this page (seed 1, the same batches every run): Tang +20.9, PKD skip +2.8, PKD last +2.7,
 * TinyBERT +3.2, MiniLM +2.1, assistant chain +2.5. Each bar is about half to two thirds of it. */
const PRESET_GAPS = { tang: 10, 'pkd-skip': 1.5, 'pkd-last': 1.5, tinybert: 2, minilm: 1, 'text-assistant': 1.5 };
/** What CI checks of the presets besides Tang's gap at step 100 (PRESETS=all checks every gap):
 * - 'steps': the preset's settings, then 20 steps (its teacher reads every batch: 100 steps
 *   cost CI 45–55 s; layer and attention matching is asserted natively in
 *   tests/native/evidence/text.rs);
 * - 'settings': the settings alone, where the steps are another test's (PKD last trains as
 *   skip does with another mapping; TinyBERT trains in the attention test below);
 * - the text assistant is distilled natively (tests/native/page/labs.rs), and a chain is drawn
 *   in experiments.test.mjs on the digits: it cost a minute of CI here. */
const QUICK = {
  'pkd-skip': ['steps', /hidden=pkd/],
  'pkd-last': ['settings', /map=last/],
  tinybert: ['settings', /attn=tinybert/],
  minilm: ['steps', /attn=minilm/],
  'text-assistant': ['skip'],
};

test('text presets: each trains, and the distilled student beats scratch', async () => {
  const { page, context, errors } = await openText();
  const all = process.env.PRESETS === 'all';
  const ids = (all || !process.env.PRESETS ? Object.keys(PRESET_GAPS).join(',') : process.env.PRESETS).split(',');
  for (const id of ids) {
    const [check, hash] = (!all && QUICK[id]) || ['gap'];
    if (check === 'skip') continue;
    await go(page, 'tools');
    await page.click(`#preset-${id}`);
    if (check !== 'gap') {
      await page.waitForFunction((re) => new RegExp(re).test(location.hash), hash.source);
      if (check === 'settings') continue;
      await trainTo(page, 20);
      const values = await page.locator('#acc-chart polyline.student').getAttribute('data-values');
      assert.ok(values && values.trim().length > 0, `${id}: no accuracy after 20 steps`);
      continue;
    }
    if (id === 'text-assistant') {
      // The assistant is distilled first (with progress); the students then restart under it.
      await page.locator('#chain').waitFor({ timeout: 240_000 });
      await page.waitForFunction(() => !document.querySelector('#reading'), null, { timeout: 120_000 });
      assert.match(await page.locator('#chain').textContent(), /Teacher-assistant chain: teacher 96\.8 % → assistant \d/);
    }
    const t0 = Date.now();
    await trainTo(page, 100);
    const r = await accuracyAt(page, 100);
    console.log(id, JSON.stringify({ ...r, seconds: (Date.now() - t0) / 1000 }));
    assert.ok(r.distilled > r.scratch + PRESET_GAPS[id], `${id}: ${JSON.stringify(r)}`);
  }
  await page.screenshot({ path: 'tests/output/text-presets.png', fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test('attention: the student\'s map changes as it trains while the teacher\'s stays; mapped pairs are marked; keys name a cell', async () => {
  const { page, context, errors } = await openText('&attn=tinybert&beta=1');
  await typeMessage(page, 'Free money, click now to claim your prize');
  // The first mapped pair is on show: skip maps student block 1 onto teacher block 2.
  assert.equal(await page.locator('#att-teacher-block').inputValue(), '2');
  assert.equal(await page.locator('#att-student-block').inputValue(), '1');
  assert.equal(await page.locator('.attention-side.mapped').count(), 2);
  const teacher0 = await digest(page, 'attention-teacher');
  const student0 = await digest(page, 'attention-student');
  await trainTo(page, 25);
  await page.waitForFunction(() => document.querySelector('.bars-row')?.dataset.shown !== undefined);
  const teacher1 = await digest(page, 'attention-teacher');
  const student1 = await digest(page, 'attention-student');
  assert.equal(teacher1, teacher0, 'the teacher is frozen');
  assert.notEqual(student1, student0, 'the student learns');
  // The other pair, by its button.
  await page.click('#pair-4-2');
  assert.equal(await page.locator('#att-teacher-block').inputValue(), '4');
  assert.equal(await page.locator('#att-student-block').inputValue(), '2');
  // Arrow keys move the named cell.
  const canvas = page.locator('#attention-teacher canvas');
  await canvas.focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowRight');
  assert.match(await page.locator('#attention-teacher .attention-cell').textContent(), /^“free” looks at “free”: 0\.\d\d$/);
  // The head view: every head's lines at once; pointing at a token keeps its lines only.
  const lines = async () => Number(await page.locator('#head-view-teacher').getAttribute('data-lines'));
  const all = await lines();
  assert.ok(all > 10, `${all} lines`);
  await page.locator('#head-view-teacher .head-token').nth(1).hover();
  await page.waitForFunction((all) => Number(document.querySelector('#head-view-teacher').dataset.lines) < all, all);
  assert.match(await page.locator('#head-view-teacher .note').textContent(), /^Where “free” looks, in every head\.$/);
  await page.locator('#attention-teacher').screenshot({ path: 'tests/output/head-view.png' });
  // MiniLM shows the last block's relations of both networks.
  await page.selectOption('#attention-loss', 'minilm');
  for (const id of ['teacher-qk', 'student-qk', 'teacher-vv', 'student-vv']) await page.locator(`#${id} canvas`).waitFor();
  await page.locator('.panel.attention').screenshot({ path: 'tests/output/text-attention.png' });
  assert.deepEqual(errors, []);
  await context.close();
});

test('student kinds: a BiLSTM and a bag of words train on the same batches; the mapping editor says why it is off', async () => {
  const { page, context, errors } = await openText();
  await page.selectOption('#student-kind', 'bilstm');
  await page.locator('#mapping-off').waitFor();
  assert.match(await page.locator('#mapping-off').textContent(), /no blocks to pair/);
  await page.locator('#no-student-attention').waitFor();
  await linkHolds(page, 'kind=bilstm');
  await page.selectOption('#student-kind', 'bow');
  await page.fill('#text-depth', '2');
  await page.locator('#text-depth').dispatchEvent('change');
  await trainTo(page, 200);
  const r = await summary(page);
  assert.ok(r.distilled > 80, JSON.stringify(r));
  // The kinds table keeps what each kind reached.
  await go(page, 'tools');
  const kept = await page.locator('#kinds-table tbody tr').allTextContents();
  assert.equal(kept.length, 4);
  assert.match(kept[2], /bag of words.*% of the teacher's/);
  assert.match(await page.locator('#torch-snippet').textContent(), /class Bow[\s\S]*Bow\(6005, 32, \[32, 32\], 3\)/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the text set or its teacher failing to load changes nothing and says why', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(env.server.url);
  await page.locator('.bars.student').waitFor({ timeout: 120_000 });
  await context.route('**/assets/data/spam/**', (route) => route.fulfill({ status: 404, body: 'gone' }));
  await page.selectOption('#dataset', 'spam');
  await page.locator('#error').waitFor();
  assert.match(await page.locator('#error').textContent(), /Could not load SpamAssassin.*404.*Nothing was changed/);
  assert.equal(await page.locator('#dataset').inputValue(), 'digits');
  await context.unroute('**/assets/data/spam/**');
  await context.route('**/assets/teachers/spam.safetensors', (route) => route.fulfill({ status: 200, body: 'not a weight file' }));
  await page.selectOption('#dataset', 'spam');
  await page.waitForFunction(() => /safetensors|header|weight/i.test(document.querySelector('#error')?.textContent ?? '') && !/404/.test(document.querySelector('#error').textContent));
  assert.equal(await page.locator('#dataset').inputValue(), 'digits');
  assert.match(page.url(), /data=digits/);
  await context.close();
});

test('phone width: the text panels stack, one block and head at a time', async () => {
  await withOwnBrowser({ webgpu: false, page: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } }, async ({ page, errors }) => {
    await page.goto(env.server.url + '#data=spam');
    await ready(page);
    await page.fill('#message', 'Win a free cruise now, reply to claim');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px`);
    const box = await page.locator('#attention-teacher canvas').boundingBox();
    assert.ok(box.width > 200 && box.x + box.width <= 390, JSON.stringify(box));
    await page.selectOption('#att-teacher-head', { value: '3' });
    assert.match(await textMatching(page.locator('#attention-teacher figure.attention-map figcaption'), /head 4/), /head 4/);
    await page.locator('.panel.attention').screenshot({ path: 'tests/output/text-phone-attention.png' });
    await page.screenshot({ path: 'tests/output/text-phone.png', fullPage: true });
    assert.deepEqual(errors, []);
  });
});

test('text weight files: download the student, load it back, another kind restarts, a wrong network is refused', async () => {
  const { page, context, errors } = await openText('', { downloads: true });
  await trainTo(page, 25);
  await go(page, 'tools');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-student')]);
  const file = 'tests/output/text-student.safetensors';
  await download.saveAs(file);
  assert.match(download.suggestedFilename(), /^distilled-student-step\d+\.safetensors$/);
  // Back as the student of the same shape: training goes on.
  await page.setInputFiles('#load-file', file);
  await page.waitForFunction(() => /Loaded text-student\.safetensors as the distilled student \([\d.]+ % on the test set\); training continues/.test(document.querySelector('.notices')?.textContent ?? ''));
  // Students of another kind: the page switches to it and restarts with the file's weights.
  await go(page, 'playground');
  await page.selectOption('#student-kind', 'bilstm');
  await page.waitForFunction(() => document.querySelector('#steps')?.textContent === 'step 0');
  await go(page, 'tools');
  await page.setInputFiles('#load-file', file);
  await page.waitForFunction(() => /Loaded text-student\.safetensors as the distilled student \(transformer/.test(document.querySelector('.notices')?.textContent ?? ''), null, { timeout: 60_000 });
  // An MLP for the digits is no text teacher.
  await page.selectOption('#load-as', 'teacher');
  await page.setInputFiles('#load-file', 'assets/teachers/digits.safetensors');
  await page.locator('#error').waitFor();
  assert.match(await page.locator('#error').textContent(), /Could not load digits\.safetensors: it maps 64 inputs to 10 classes/);
  await go(page, 'playground');
  await page.waitForFunction(() => document.querySelector('#student-kind')?.value === 'transformer');
  assert.equal(await page.locator('#dataset').inputValue(), 'spam');
  assert.deepEqual(errors, []);
  await context.close();
});
