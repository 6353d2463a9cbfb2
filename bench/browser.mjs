// In-browser benchmark of the served release build (dist/), headless Chromium driven by
// playwright-core: load time, training steps/s on the CPU (wasm) and WebGPU, T-slider latency and
// the longest main-thread task while training, memory after 1,000 and 10,000 steps, wasm size,
// and each text student kind's steps/s and slider latency.
// Writes bench/browser.json. Numbers are reported, never asserted.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { serveDist } from '../tests/e2e/server.mjs';
import { launch } from '../tests/e2e/browser.mjs';

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const log = (...a) => console.error('#', ...a);

// Observers installed before the page's scripts: long tasks, frames, slider input → next paint.
function instrument() {
  window.__long = [];
  window.__longAt = [];
  new PerformanceObserver((l) => l.getEntries().forEach((e) => {
    window.__long.push(e.duration);
    window.__longAt.push({ at: e.startTime, ms: e.duration });
  })).observe({ type: 'longtask', buffered: true });
  window.__frames = [];
  let last = performance.now();
  const frame = (t) => { window.__frames.push(t - last); last = t; requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
  window.__latency = [];
  window.__dom = [];
  document.addEventListener('input', (e) => {
    if (e.target?.id !== 'temperature') return;
    const start = e.timeStamp;
    // The new T in the DOM: Yew has re-rendered the bars.
    const label = document.querySelector('#t-value');
    const before = label?.textContent;
    const watch = new MutationObserver(() => {
      if (label.textContent !== before) { window.__dom.push(performance.now() - start); watch.disconnect(); }
    });
    if (label) watch.observe(label, { childList: true, characterData: true, subtree: true });
    // rAF runs before the frame that shows the new bars; the task after it runs once it is painted.
    requestAnimationFrame(() => setTimeout(() => window.__latency.push(performance.now() - start), 0));
  }, true);
  addEventListener('TrunkApplicationStarted', (e) => { window.__wasm = e.detail.wasm; });
}

const steps = (page) => page.evaluate(() => Number(document.querySelector('#steps').textContent.match(/\d+/)[0]));

async function openPage(browser, server, webgpu) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.addInitScript(instrument);
  // SwiftShader's adapter alone would keep the page on its CPU build: choose WebGPU, as a user can.
  if (webgpu) await page.addInitScript(() => localStorage.setItem('distill-playground/engine', 'webgpu'));
  const t0 = Date.now();
  await page.goto(server.url);
  await page.locator('.bars.student').waitFor({ timeout: 120_000 });
  const interactive = Date.now() - t0;
  // Where WebGPU is wanted, the CPU-only build starts first and the WebGPU build takes over.
  if (webgpu) await page.locator('#device', { hasText: 'WebGPU' }).waitFor({ timeout: 120_000 });
  return { context, page, interactive, webgpuReady: webgpu ? Date.now() - t0 : null };
}

// Seconds from Play to the first `warm` steps (on WebGPU: compiling every kernel's pipeline),
// then steps/s over `seconds` of training after them.
async function trainingRate(page, warm, seconds) {
  const t0 = Date.now();
  await page.click('#play');
  await page.waitForFunction((n) => Number(document.querySelector('#steps').textContent.match(/\d+/)[0]) >= n, warm, { timeout: 600_000, polling: 100 });
  const warmup = (Date.now() - t0) / 1000;
  const a = await steps(page);
  const t = Date.now();
  await page.waitForTimeout(seconds * 1000);
  const b = await steps(page);
  await page.click('#play');
  return { warmup, rate: (b - a) / ((Date.now() - t) / 1000) };
}

const server = await serveDist();
const results = { when: new Date().toISOString() };
const version = execFileSync('/usr/bin/chromium', ['--version']).toString().trim();
results.browser = version;
results.machine = { cpus: (await import('node:os')).cpus().length, model: (await import('node:os')).cpus()[0]?.model };

// Sizes of what the page downloads: one of its two builds (dist/engines.json names them), the
// CPU-only one where there is no WebGPU adapter or the user chose the CPU.
const engines = JSON.parse(readFileSync('dist/engines.json', 'utf8'));
const size = (file) => {
  const bytes = readFileSync(`dist/${file.split('?')[0]}`);
  return { raw_bytes: bytes.length, gzip_bytes: gzipSync(bytes, { level: 9 }).length };
};
results.wasm = { cpu: size(engines.cpu.wasm), webgpu: size(engines.webgpu.wasm) };
log('wasm', results.wasm);

// BENCH_TEXT_ONLY=1 measures the text students alone and keeps the other figures of the last run.
// BENCH_BROWN_ONLY=1 measures Brown's students alone (the pretrained teacher) and keeps the rest.
const brownOnly = Boolean(process.env.BENCH_BROWN_ONLY);
const textOnly = Boolean(process.env.BENCH_TEXT_ONLY) || brownOnly;
if (textOnly) Object.assign(results, JSON.parse(readFileSync('bench/browser.json', 'utf8')), { wasm: results.wasm });
for (const webgpu of textOnly ? [] : [false, true]) {
  const key = webgpu ? 'webgpu' : 'cpu';
  const browser = await launch({ webgpu, extraArgs: ['--enable-precise-memory-info'] });
  const r = (results[key] = {});
  const loads = [];
  const handovers = [];
  // A fresh browser for each load: with SwiftShader, the GPU process may still be compiling the
  // previous page's shaders on these two cores.
  for (let i = 0; i < 3; i++) {
    const fresh = await launch({ webgpu });
    const { interactive, webgpuReady } = await openPage(fresh, server, webgpu);
    loads.push(interactive);
    handovers.push(webgpuReady);
    await fresh.close();
  }
  r.load_to_interactive_ms = { median: quantile(loads, 0.5), runs: loads };
  if (webgpu) r.load_to_webgpu_ms = { median: quantile(handovers, 0.5), runs: handovers };
  const { context, page } = await openPage(browser, server, webgpu);
  await page.locator('#device', { hasText: webgpu ? 'WebGPU' : 'CPU' }).waitFor({ timeout: 120_000 });
  r.device = await page.locator('#device').textContent();
  const { warmup, rate } = await trainingRate(page, 200, webgpu ? 20 : 5);
  r.first_200_steps_s = round(warmup, 1);
  r.steps_per_s = round(rate, 1);
  log(key, 'first 200 steps', r.first_200_steps_s, 's; then steps/s', r.steps_per_s);

  const reset = () => page.evaluate(() => { window.__latency.length = 0; window.__dom.length = 0; window.__long.length = 0; window.__frames.length = 0; });
  // Trusted key presses on the focused slider: their timeStamp is when the browser took the key,
  // so input → DOM includes any wait for the task in progress on the page's thread.
  const drag = async (n) => {
    await page.focus('#temperature');
    for (let i = 0; i < n; i++) {
      await page.keyboard.press(i % 40 < 20 ? 'ArrowRight' : 'ArrowLeft');
      await page.waitForTimeout(10);
    }
    await page.waitForTimeout(300);
    return page.evaluate(() => ({ latency: window.__latency, dom: window.__dom, long: window.__long, frames: window.__frames }));
  };
  // The floor: the same drags with nothing training.
  await reset();
  const idle = await drag(100);
  r.idle_slider_to_paint_ms = { n: idle.latency.length, p50: round(quantile(idle.latency, 0.5)), p95: round(quantile(idle.latency, 0.95)) };
  r.idle_longest_frame_gap_ms = round(Math.max(...idle.frames.slice(1)));
  // 200 slider moves while training.
  await page.click('#play');
  await page.waitForTimeout(500);
  await reset();
  const m = await drag(200);
  await page.click('#play');
  r.slider_to_dom_ms = { n: m.dom.length, p50: round(quantile(m.dom, 0.5)), p95: round(quantile(m.dom, 0.95)), max: round(Math.max(...m.dom)) };
  r.slider_to_paint_ms = { n: m.latency.length, p50: round(quantile(m.latency, 0.5)), p95: round(quantile(m.latency, 0.95)), max: round(Math.max(...m.latency)) };
  r.longest_task_ms = m.long.length ? round(Math.max(...m.long)) : '< 50 (no long task)';
  r.longest_frame_gap_ms = round(Math.max(...m.frames.slice(1)));
  log(key, 'idle→paint', r.idle_slider_to_paint_ms, r.idle_longest_frame_gap_ms, 'slider→DOM', r.slider_to_dom_ms, '→paint', r.slider_to_paint_ms, 'long task', r.longest_task_ms, 'frame gap', r.longest_frame_gap_ms);

  if (!webgpu) {
    // Memory after 1,000 and 10,000 steps of the same run.
    const memory = () => page.evaluate(() => ({ js_heap_bytes: performance.memory.usedJSHeapSize, wasm_memory_bytes: window.__wasm?.memory?.buffer.byteLength ?? null }));
    const trainTo = async (n) => {
      await page.click('#play');
      await page.waitForFunction((n) => Number(document.querySelector('#steps').textContent.match(/\d+/)[0]) >= n, n, { timeout: 600_000, polling: 500 });
      await page.click('#play');
      await page.waitForTimeout(500);
    };
    await trainTo(1000);
    const m1 = await memory();
    await trainTo(10000);
    const m2 = await memory();
    r.memory = { after_1000_steps: m1, after_10000_steps: m2 };
    log(key, 'memory', r.memory);
  }
  await context.close();
  await browser.close();
}
// Text, on the CPU: steps/s of each student kind at the page's default shape (both students, the
// teacher's logits read once), and the T slider while it trains. On Brown the MiniLM teacher
// first reads a typed sentence (its forward pass on the page's thread), and one TinyBERT step
// (the teacher on every batch) is timed. On the e-mails, a new teacher's first pass is timed, and
// the transformer's steps/s with TinyBERT's attention and states from the e-mails' own teacher.
async function textRun(browser, dataset, kind) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  await page.addInitScript(instrument);
  const t0 = Date.now();
  await page.goto(server.url + `#data=${dataset}&kind=${kind}`);
  await page.locator('#steps[data-ready="true"]').waitFor({ timeout: 300_000 });
  const ready = (Date.now() - t0) / 1000;
  if (dataset === 'brown') await page.fill('#message', 'The jury said the administration was unbelievably slow');
  const { rate } = await trainingRate(page, 25, 20);
  await page.click('#play');
  await page.waitForTimeout(500);
  await page.evaluate(() => { window.__dom.length = 0; window.__latency.length = 0; window.__long.length = 0; });
  // Trusted key presses: their timeStamp is when the browser took the key, so the time to the
  // DOM includes any wait for the task in progress on the page's thread.
  await page.focus('#temperature');
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press(i % 20 < 10 ? 'ArrowRight' : 'ArrowLeft');
    await page.waitForTimeout(30);
  }
  await page.waitForTimeout(300);
  const m = await page.evaluate(() => ({ dom: window.__dom, latency: window.__latency, long: window.__long }));
  await page.click('#play');
  const out = {
    load_to_students_s: round(ready, 1),
    steps_per_s: round(rate, 1),
    slider_to_dom_ms: { n: m.dom.length, p50: round(quantile(m.dom, 0.5)), p95: round(quantile(m.dom, 0.95)), max: round(Math.max(...m.dom)) },
    // Input waits for the task in progress: one training step of both students at most.
    longest_task_ms: m.long.length ? round(Math.max(...m.long)) : '< 50 (no long task)',
    long_tasks_p95_ms: m.long.length ? round(quantile(m.long, 0.95)) : null,
  };
  if (dataset === 'spam' && kind === 'transformer') {
    out.first_pass = await firstPass(page);
    // Attention transfer from the e-mails' own transformer teacher: it runs on every batch.
    await page.goto(server.url + '#data=spam&kind=transformer&beta=1&attn=tinybert&gamma=1');
    await page.reload();
    await page.locator('#steps[data-ready="true"]').waitFor({ timeout: 300_000 });
    out.attention_steps_per_s = round((await trainingRate(page, 5, 20)).rate, 1);
  }
  if (dataset === 'brown' && kind === 'transformer') {
    await page.waitForTimeout(1500);
    await page.goto(server.url + '#data=brown&kind=transformer&beta=1&attn=tinybert&gamma=1');
    await page.reload();
    await page.locator('#steps[data-ready="true"]').waitFor({ timeout: 300_000 });
    const before = await steps(page);
    const t = Date.now();
    await page.click('#step');
    await page.waitForFunction((n) => Number(document.querySelector('#steps').textContent.match(/\d+/)[0]) > n, before, { timeout: 300_000 });
    out.tinybert_step_s = round((Date.now() - t) / 1000, 1);
  }
  await context.close();
  return out;
}

// A teacher whose logits did not ship (the shipped one with one weight's lowest bit flipped)
// loaded on the e-mails: seconds from the file to the end of its first pass over 5,837 messages
// (two workers, a half each) and to the students ready, and the longest tasks on the page's
// thread: from the file to the students, and from the pass's first progress to the students.
// The file is chosen from disk: a buffer handed to setInputFiles is rebuilt by Playwright's own
// script on the page's thread (a 200 ms task that is not the page's).
async function firstPass(page) {
  await page.click('#go-tools');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-teacher')]);
  const bytes = Buffer.from(readFileSync(await download.path()));
  bytes[8 + Number(bytes.readBigUInt64LE(0))] ^= 1;
  const file = join(mkdtempSync(join(tmpdir(), 'bench-')), 'another-teacher.safetensors');
  writeFileSync(file, bytes);
  await page.selectOption('#load-as', 'teacher');
  const from = await page.evaluate(() => performance.now());
  const t0 = Date.now();
  await page.setInputFiles('#load-file', file);
  await page.click('#go-playground');
  await page.locator('#reading progress').waitFor({ timeout: 60_000 });
  const reading = await page.evaluate(() => performance.now());
  await page.locator('#reading').waitFor({ state: 'detached', timeout: 300_000 });
  const read = (Date.now() - t0) / 1000;
  await page.locator('#steps[data-ready="true"]').waitFor({ timeout: 60_000 });
  const ready = (Date.now() - t0) / 1000;
  await page.waitForTimeout(200);
  const longest = (since) => page.evaluate((t) => {
    const ms = window.__longAt.filter((e) => e.at >= t).map((e) => e.ms);
    return ms.length ? Math.round(Math.max(...ms)) : '< 50 (no long task)';
  }, since);
  return {
    read_s: round(read, 1),
    to_students_s: round(ready, 1),
    longest_task_ms: await longest(from),
    longest_task_reading_ms: await longest(reading),
  };
}

// Two students on the e-mails at batch 32, the smallest batch the target allows.
async function batch32(browser, kind) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(server.url + `#data=spam&kind=${kind}&batch=32`);
  await page.locator('#steps[data-ready="true"]').waitFor({ timeout: 300_000 });
  const { rate } = await trainingRate(page, 25, 20);
  await context.close();
  return round(rate, 1);
}

{
  const browser = await launch({ webgpu: false });
  if (!brownOnly) {
    results.text = {};
    for (const kind of ['transformer', 'bilstm', 'bow']) {
      results.text[kind] = await textRun(browser, 'spam', kind);
      if (kind !== 'bow') results.text[kind].steps_per_s_batch_32 = await batch32(browser, kind);
      results.text_when = new Date().toISOString();
      log('text', kind, results.text[kind]);
    }
  }
  results.brown = {};
  for (const kind of ['transformer', 'bilstm', 'bow']) {
    results.brown[kind] = await textRun(browser, 'brown', kind);
    log('brown', kind, results.brown[kind]);
  }
  results.brown_when = new Date().toISOString();
  await browser.close();
}
await server.close();
writeFileSync('bench/browser.json', JSON.stringify(results, null, 2) + '\n');
console.log(JSON.stringify(results, null, 2));
