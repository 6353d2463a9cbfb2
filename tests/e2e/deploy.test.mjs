// The student leaves the page: the files panel's ONNX downloads (float32 and int8), run by the
// lines the panel shows — in a static web page with npm's onnxruntime-web, and in Python with
// PyPI's onnxruntime — and the README's web lines are the panel's for the digits student.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sharedBrowser, openPage, go, studentsReady, trainTo } from './harness.mjs';
import { serveDist } from './server.mjs';

const env = sharedBrowser();
const ORT = 'node_modules/onnxruntime-web/dist';

/** The logits the web lines write into a static page holding them, ort and the model. */
async function inStaticPage(context, lines, model) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'onnx-web-'));
  for (const f of readdirSync(ORT).filter((f) => /^ort\.min\.js$|^ort-wasm.*\.(wasm|mjs)$/.test(f))) {
    copyFileSync(path.join(ORT, f), path.join(dir, f));
  }
  copyFileSync(model, path.join(dir, 'distilled-student.onnx'));
  writeFileSync(path.join(dir, 'index.html'), `<!doctype html>\n<meta charset="utf-8">\n${lines}\n`);
  const server = await serveDist(dir);
  const page = await context.newPage();
  try {
    await page.goto(server.url);
    await page.waitForFunction(() => /^-?\d/.test(document.body.textContent.trim()), null, { timeout: 60_000 });
    return (await page.textContent('body')).trim().split(' ').map(Number);
  } finally {
    await page.close();
    await server.close();
  }
}

/** The logits the Python lines print, run by the interop checks' onnxruntime. */
function inPython(lines, model) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'onnx-py-'));
  copyFileSync(model, path.join(dir, 'distilled-student.onnx'));
  const printed = execFileSync(path.resolve('.venv/bin/python'), ['-c', lines], { cwd: dir }).toString();
  return printed.replace(/[[\]\n]/g, ' ').trim().split(/\s+/).map(Number);
}

test('the student as ONNX runs in a web page and in Python as the panel says', async () => {
  const { page, context, errors } = await openPage(env, { downloads: true });
  await studentsReady(page);
  await trainTo(page, 60);
  await go(page, 'tools');
  const web = await page.textContent('#onnx-web-snippet');
  const python = await page.textContent('#onnx-python-snippet');
  // The README gives the digits student's lines.
  assert.ok(readFileSync('README.md', 'utf8').includes(web), `README lacks:\n${web}`);
  const results = {};
  for (const [id, name] of [['#download-onnx', 'float'], ['#download-onnx-int8', 'int8']]) {
    const [file] = await Promise.all([page.waitForEvent('download'), page.click(id)]);
    const model = `tests/output/student-${name}.onnx`;
    await file.saveAs(model);
    const [fromWeb, fromPython] = [await inStaticPage(context, web, model), inPython(python, model)];
    assert.equal(fromWeb.length, 10, fromWeb.join());
    assert.ok(fromWeb.every(Number.isFinite));
    // onnxruntime-web and onnxruntime agree (interop.sh holds onnxruntime to the engine's logits).
    const gap = Math.max(...fromWeb.map((v, i) => Math.abs(v - fromPython[i])));
    assert.ok(gap < 1e-4, `${fromWeb} against ${fromPython}`);
    results[name] = fromWeb;
  }
  const drift = Math.max(...results.float.map((v, i) => Math.abs(v - results.int8[i])));
  console.log(`# logits of zeros: float ${results.float.map((v) => v.toFixed(3)).join(' ')}; int8 within ${drift.toFixed(3)}`);
  assert.ok(drift > 0 && drift < 1, `${drift}`);
  // The 8-bit safetensors file: a quarter of the float one, and the page reads it back.
  const sizes = {};
  for (const [id, name] of [['#download-student', 'float'], ['#download-student-int8', 'int8']]) {
    const [file] = await Promise.all([page.waitForEvent('download'), page.click(id)]);
    sizes[name] = (await readFile(await file.path())).length;
    if (name === 'int8') {
      assert.match(file.suggestedFilename(), /^distilled-student-step\d+-int8\.safetensors$/);
      await file.saveAs('tests/output/student-int8.safetensors');
    }
  }
  assert.ok(sizes.int8 * 2 < sizes.float, JSON.stringify(sizes));
  await page.setInputFiles('#load-file', 'tests/output/student-int8.safetensors');
  await page.locator('.notices', { hasText: 'Loaded student-int8.safetensors' }).waitFor({ timeout: 30_000 });
  await page.locator('.panel.files').screenshot({ path: 'tests/output/files-onnx.png' });
  assert.deepEqual(errors, []);
  await context.close();
});
