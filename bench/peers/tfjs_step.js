// The distillation step `distill bench` times, written the way a TensorFlow.js user would write
// it, on the wasm backend (SIMD; threads only where the page is cross-origin isolated, which
// this one is not): teacher 64→128×6→10 and student 64→32×3→10 (ReLU MLPs), Adam (lr 1e-3),
// T = 4, α = 0.5, loss = α·CE + (1 − α)·T²·KL(teacher_T ‖ student_T), batch mean. With `hidden`
// also β = 1 MSE terms from student layers 1, 2, 3 through learned 32→128 projections to teacher
// layers 2, 4, 6. Every step samples a batch from 1,437 rows, runs the frozen teacher outside the
// tape, then optimizer.minimize over the student's variables. Numbers are reported, never asserted.
/* global tf */
const ROWS = 1437, FEATURES = 64, CLASSES = 10;
const T = 4, ALPHA = 0.5, BETA = 1;
const PAIRS = [[0, 1], [1, 3], [2, 5]];

function dense(sizes, trainable) {
  return sizes.slice(1).map((o, i) => ({
    w: tf.variable(tf.randomNormal([sizes[i], o], 0, Math.sqrt(2 / sizes[i])), trainable),
    b: tf.variable(tf.zeros([o]), trainable),
  }));
}

function forward(layers, x) {
  const hidden = [];
  for (const { w, b } of layers.slice(0, -1)) {
    x = tf.relu(tf.add(tf.matMul(x, w), b));
    hidden.push(x);
  }
  const { w, b } = layers[layers.length - 1];
  return [tf.add(tf.matMul(x, w), b), hidden];
}

function distillLoss(student, proj, x, y, tLogits, tHidden) {
  const [s, sHidden] = forward(student, x);
  const ce = tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(s)), 1)));
  const tSoft = tf.softmax(tf.div(tLogits, T));
  const kl = tf.mean(tf.sum(tf.mul(tSoft, tf.sub(tf.log(tf.add(tSoft, 1e-12)), tf.logSoftmax(tf.div(s, T)))), 1));
  let loss = tf.add(tf.mul(ALPHA, ce), tf.mul((1 - ALPHA) * T * T, kl));
  PAIRS.forEach(([si, ti], k) => {
    if (!proj) return;
    const p = tf.add(tf.matMul(sHidden[si], proj[k].w), proj[k].b);
    loss = tf.add(loss, tf.mul(BETA, tf.mean(tf.square(tf.sub(p, tHidden[ti])))));
  });
  return loss;
}

// Steps per second of the full step (median of `repeats` runs of `steps` steps, after a warm-up).
window.runPeer = async ({ batch, hidden, steps, repeats }) => {
  tf.wasm.setWasmPaths(new URL('node_modules/@tensorflow/tfjs-backend-wasm/dist/', location.href).href);
  await tf.setBackend('wasm');
  await tf.ready();
  const data = tf.randomNormal([ROWS, FEATURES]);
  const labels = tf.oneHot(tf.randomUniform([ROWS], 0, CLASSES, 'int32'), CLASSES).cast('float32');
  const teacher = dense([FEATURES, 128, 128, 128, 128, 128, 128, CLASSES], false);
  const student = dense([FEATURES, 32, 32, 32, CLASSES], true);
  const proj = hidden ? PAIRS.map(() => dense([32, 128], true)[0]) : null;
  const vars = [...student, ...(proj ?? [])].flatMap(({ w, b }) => [w, b]);
  const optimizer = tf.train.adam(1e-3);
  const step = () => tf.tidy(() => {
    const rows = tf.tensor1d(Array.from({ length: batch }, () => Math.floor(Math.random() * ROWS)), 'int32');
    const x = tf.gather(data, rows);
    const y = tf.gather(labels, rows);
    const [tLogits, tHidden] = forward(teacher, x);
    optimizer.minimize(() => distillLoss(student, proj, x, y, tLogits, tHidden), false, vars);
  });
  for (let i = 0; i < 50; i++) step();
  await vars[0].data();
  const rates = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    for (let i = 0; i < steps; i++) step();
    await vars[0].data();
    rates.push(steps / ((performance.now() - start) / 1000));
  }
  rates.sort((a, b) => a - b);
  const leaked = tf.memory().numTensors;
  return { version: `tfjs-core ${tf.version_core}, backend wasm (simd ${await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')}, threads ${await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')})`, full_steps_per_s: rates[Math.floor(repeats / 2)], tensors_after: leaked };
};
