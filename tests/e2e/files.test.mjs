// Weights leave the page as files other tools read, and come back in; bad files change nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, truncate } from 'node:fs/promises';
import { sharedBrowser, openPage, go } from './harness.mjs';

const env = sharedBrowser();

/** The JSON header of a safetensors file. */
function header(bytes) {
  const n = Number(bytes.readBigUInt64LE(0));
  return JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
}

async function download(page, selector, path) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  await file.saveAs(path);
  return { name: file.suggestedFilename(), bytes: await readFile(path) };
}

test('download the students and the teacher, load a student back, refuse bad files', async () => {
  const { page, context, errors } = await openPage(env, { downloads: true });
  for (let i = 1; i <= 5; i++) {
    await page.click('#step');
    await page.locator('#steps', { hasText: `step ${i}` }).waitFor({ timeout: 60_000 });
  }

  // safetensors in PyTorch layout, with the architecture and the run's settings in the metadata.
  await go(page, 'tools');
  const student = await download(page, '#download-student', 'tests/output/distilled-student.safetensors');
  assert.equal(student.name, 'distilled-student-step5.safetensors');
  const h = header(student.bytes);
  assert.deepEqual(h['0.weight'].shape, [32, 64]);
  assert.deepEqual(h['6.weight'].shape, [10, 32]);
  assert.equal(h['0.weight'].dtype, 'F32');
  const meta = h.__metadata__;
  assert.equal(meta.role, 'student');
  assert.deepEqual(JSON.parse(meta.architecture).hidden, [32, 32, 32]);
  const info = JSON.parse(meta.info);
  assert.equal(info.steps, 5);
  assert.equal(info.settings.temperature.value, 4);
  assert.equal(info.dataset, 'digits');
  // burnpack and the teacher too.
  const bpk = await download(page, '#download-student-bpk', 'tests/output/distilled-student.bpk');
  assert.equal(bpk.bytes.subarray(0, 4).toString('latin1'), 'NRUB');
  const teacher = await download(page, '#download-teacher', 'tests/output/teacher.safetensors');
  assert.deepEqual(header(teacher.bytes)['0.weight'].shape, [128, 64]);

  // Bad files: an error that names the problem; the step count and the settings stay.
  const stepsShown = async () => {
    await go(page, 'playground');
    const text = await page.locator('#steps').textContent();
    await go(page, 'tools');
    return text;
  };
  const hashBefore = new URL(page.url()).hash;
  await writeFile('tests/output/garbage.safetensors', 'certainly not weights');
  await truncate('tests/output/garbage.safetensors', 21);
  await writeFile('tests/output/huge.safetensors', '');
  await truncate('tests/output/huge.safetensors', 200 * 1024 * 1024); // sparse: 200 MB, unread
  await writeFile('tests/output/truncated.safetensors', student.bytes.subarray(0, student.bytes.length - 100));
  // A valid safetensors file from some other tool: no architecture to build.
  const foreignHeader = Buffer.from(JSON.stringify({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(foreignHeader.length));
  await writeFile('tests/output/foreign.safetensors', Buffer.concat([length, foreignHeader, Buffer.alloc(4)]));
  for (const [file, reason] of [
    ['garbage.safetensors', /not a valid safetensors/],
    ['huge.safetensors', /at most 96 MB/],
    ['truncated.safetensors', /not a valid safetensors/],
    ['foreign.safetensors', /no 'format' metadata/],
  ]) {
    await page.setInputFiles('#load-file', `tests/output/${file}`);
    await page.locator('#error').waitFor({ timeout: 30_000 });
    const error = await page.locator('#error').textContent();
    assert.match(error, reason, `${file}: ${error}`);
    assert.match(error, /Nothing was changed/);
    assert.match(await stepsShown(), /step 5/);
    assert.equal(new URL(page.url()).hash, hashBefore);
    await page.click('.notices button');
  }

  // A good file (burnpack) comes back as the distilled student, training continues.
  await page.setInputFiles('#load-file', 'tests/output/distilled-student.bpk');
  await page.locator('.notices', { hasText: 'Loaded distilled-student.bpk' }).waitFor({ timeout: 30_000 });
  assert.match(await stepsShown(), /step 5/);
  await page.screenshot({ path: 'tests/output/files.png', fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

/** A copy of a safetensors file with every float32 multiplied by `factor`. */
function scaled(bytes, factor) {
  const out = Buffer.from(bytes);
  const start = 8 + Number(out.readBigUInt64LE(0));
  const floats = new Float32Array(out.buffer, out.byteOffset + start, (out.length - start) / 4);
  for (let i = 0; i < floats.length; i++) floats[i] *= factor;
  return out;
}

test('a run that blows up says so, offers Resume and stays on its device', async () => {
  const { page, context, errors } = await openPage(env, { downloads: true });
  for (let i = 1; i <= 5; i++) {
    await page.click('#step');
    await page.locator('#steps', { hasText: `step ${i}` }).waitFor({ timeout: 60_000 });
  }
  await go(page, 'tools');
  const student = await download(page, '#download-student', 'tests/output/student-to-blow-up.safetensors');
  // Finite weights (the file is accepted) whose products overflow float32 in the forward pass.
  await writeFile('tests/output/blown-up.safetensors', scaled(student.bytes, 1e12));
  await page.setInputFiles('#load-file', 'tests/output/blown-up.safetensors');
  await page.locator('.notices', { hasText: 'Loaded blown-up.safetensors' }).waitFor({ timeout: 30_000 });
  await go(page, 'playground');
  const reason = () => page.locator('#fallback-reason').allTextContents();
  const device = await page.locator('#device').textContent();
  const why = await reason();

  await page.click('#play');
  await page.locator('#diverged').waitFor({ timeout: 30_000 });
  assert.match(await page.locator('#error').textContent(), /diverged at step 6: the \w+ loss became (NaN|inf)/);
  assert.equal(await page.locator('#play').textContent(), 'Resume');
  // Both students went back to where the chunk began; the device did not change.
  assert.match(await page.locator('#steps').textContent(), /step 5\b/);
  assert.equal(await page.locator('#device').textContent(), device);
  assert.deepEqual(await reason(), why);
  await page.screenshot({ path: 'tests/output/diverged.png', fullPage: true });

  // Resume with the same weights blows up again, and says so again; Reset starts afresh.
  await page.click('#play');
  await page.locator('#diverged').waitFor({ timeout: 30_000 });
  assert.match(await page.locator('#steps').textContent(), /step 5\b/);
  await page.click('#reset');
  assert.equal(await page.locator('#diverged').count(), 0);
  assert.equal(await page.locator('#play').textContent(), 'Train');
  await page.click('#step');
  await page.locator('#steps', { hasText: 'step 1' }).waitFor({ timeout: 60_000 });
  assert.deepEqual(errors, []);
  await context.close();
});
