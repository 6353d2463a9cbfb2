// The browser half of `bash scripts/bench.sh --peers`: in one headless Chromium, TensorFlow.js's
// full distillation step (bench/peers/tfjs_step.js) and the page's own CPU build running the
// engine's step benchmark (src/web/bench.rs) on the same shapes, then the page's scale sweep;
// then the text students' playground step in TF.js (bench/peers/tfjs_text.js) and in the page.
// Writes bench/peers/browser.json.
// Numbers are reported, never asserted.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { serveDist } from '../../tests/e2e/server.mjs';
import { launch } from '../../tests/e2e/browser.mjs';

const STEPS = Number(process.env.PEER_STEPS ?? 500);
const REPEATS = 3;
const CONFIGS = [64, 256].flatMap((batch) => [false, true].map((hidden) => ({ batch, hidden })));
const log = (...a) => console.error('#', ...a);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const peers = await serveDist(path.resolve('bench/peers'));
const page = await serveDist();
const browser = await launch({ webgpu: false });
// PEER_TEXT_ONLY=1 times the text students alone and keeps the rest of the last run's figures.
const textOnly = Boolean(process.env.PEER_TEXT_ONLY);
const results = textOnly
  ? { ...JSON.parse(readFileSync('bench/peers/browser.json', 'utf8')), text: { tfjs: [], ours: [] } }
  : { when: new Date().toISOString(), tfjs: [], ours: [], text: { tfjs: [], ours: [] } };
if (textOnly) results.text.when = new Date().toISOString();
// The text step is slow in TF.js (a BiLSTM at batch 256 takes seconds a step): few steps.
const TEXT_STEPS = Number(process.env.PEER_TEXT_STEPS ?? 6);
const TEXT = ['transformer', 'bilstm', 'bow'].flatMap((kind) => [64, 256].map((batch) => ({ kind, batch })));
try {
  const tab = await browser.newPage();
  tab.on('pageerror', (e) => log('tfjs page error', e));
  await tab.goto(peers.url + 'tfjs.html');
  for (const c of textOnly ? [] : CONFIGS) {
    const r = await tab.evaluate((a) => window.runPeer(a), { ...c, steps: STEPS, repeats: REPEATS });
    results.tfjs.push({ ...c, loss: c.hidden ? 'kd+hidden' : 'kd', ...r });
    log('tfjs', c, Math.round(r.full_steps_per_s), 'steps/s');
  }
  await tab.close();

  const text = await browser.newPage();
  text.on('pageerror', (e) => log('tfjs text page error', e));
  for (const c of TEXT) {
    const steps = c.kind === 'bow' ? 20 * TEXT_STEPS : TEXT_STEPS;
    // A fresh page for each: TF.js's wasm memory only grows, and one run's tensors must not
    // crowd the next.
    await text.goto(peers.url + 'tfjs_text.html');
    try {
      const r = await text.evaluate((a) => window.runTextPeer(a), { ...c, steps, repeats: REPEATS });
      results.text.tfjs.push({ ...c, ...r });
      log('tfjs text', c, r.steps_per_s.toFixed(2), 'steps/s');
    } catch (e) {
      // TF.js's wasm module aborts when its memory runs out.
      results.text.tfjs.push({ ...c, steps_per_s: null, error: String(e.message).split('\n')[0] });
      log('tfjs text', c, 'failed:', e.message.split('\n')[0]);
    }
  }
  await text.close();

  const ours = await browser.newPage();
  await ours.addInitScript(() => localStorage.setItem('distill-playground/engine', 'cpu'));
  await ours.goto(page.url);
  await ours.locator('.bars.student').waitFor({ timeout: 120_000 });
  for (const c of textOnly ? [] : CONFIGS) {
    // The engine's benchmark times one run of `steps`; the median of three runs matches TF.js's.
    const runs = [];
    for (let i = 0; i < REPEATS; i++) {
      runs.push(await ours.evaluate(({ batch, hidden, steps }) =>
        window.distillLoader.exports.bench_distill_step(batch, hidden, steps), { ...c, steps: STEPS }));
    }
    const full = median(runs.map((r) => r.full_steps_per_s));
    const playground = median(runs.map((r) => r.steps_per_s));
    results.ours.push({ ...c, loss: runs[0].loss, full_steps_per_s: full, steps_per_s: playground });
    log('ours', c, Math.round(full), 'full steps/s,', Math.round(playground), 'playground steps/s');
  }
  for (const c of TEXT) {
    const steps = c.kind === 'bow' ? 20 * TEXT_STEPS : TEXT_STEPS;
    const r = await ours.evaluate(({ kind, batch, steps }) =>
      window.distillLoader.exports.bench_text_step(kind, batch, steps), { ...c, steps });
    results.text.ours.push({ ...c, steps_per_s: r.steps_per_s, student: r.student });
    log('ours text', c, r.steps_per_s.toFixed(2), 'playground steps/s');
  }
  // The scale sweep in the page: the full step over batch × width, as \`distill bench --scale\`.
  if (!textOnly) results.scale = [];
  for (const width of textOnly ? [] : [32, 64, 128, 256, 512]) {
    for (const batch of [64, 128, 256, 512, 1024]) {
      const steps = Math.max(3, Math.floor((STEPS * 64 * 32) / (batch * width)));
      const p = await ours.evaluate(({ batch, width, steps }) =>
        window.distillLoader.exports.bench_scale_point(batch, width, steps), { batch, width, steps });
      results.scale.push(p);
      log('page scale', { batch, width }, Math.round(p.full_steps_per_s), 'steps/s', p.gflops.toFixed(1), 'GFLOP/s');
    }
  }
} finally {
  await browser.close();
  await peers.close();
  await page.close();
}
writeFileSync('bench/peers/browser.json', JSON.stringify(results, null, 2) + '\n');
