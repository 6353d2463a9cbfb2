// The text students' playground step that `distill bench --datasets spam` times (and
// bench/peers/jax_text.py writes in JAX), written the way a TensorFlow.js user would write it, on
// the wasm backend in the same Chromium as the page. Rows of 64 token ids ([CLS] first, then
// words, 0 for padding after a length drawn from 8 to 64), the teacher's logits cached (3
// classes), T = 4, α = 0.5, Adam; loss = α·CE + (1 − α)·T²·KL(teacher_T ‖ student_T), batch mean.
// - transformer: vocabulary 6,005, width 32, 4 heads, feed-forward 64, 2 pre-LN blocks with
//   exact GELU, padded keys masked, a final LayerNorm and the classifier on [CLS];
// - bilstm: embeddings 64, 64 states per direction, padding leaves the state as it was and
//   gives zeros (as over a packed sequence), max over the words, a ReLU layer of 64;
// - bow: embeddings 32, their mean over the words, a ReLU layer of 32.
// Numbers are reported, never asserted.
/* global tf */
const ROWS = 4670, POSITIONS = 64, VOCAB = 6005, CLASSES = 3, T = 4, ALPHA = 0.5;

const normal = (shape, std) => tf.variable(tf.randomNormal(shape, 0, std));
const linear = (i, o) => ({ w: normal([i, o], 1 / Math.sqrt(i)), b: tf.variable(tf.zeros([o])) });
const norm = (d) => ({ g: tf.variable(tf.ones([d])), b: tf.variable(tf.zeros([d])) });
// A linear layer over the last axis of any rank.
function apply(p, x) {
  const shape = x.shape;
  const flat = tf.reshape(x, [-1, shape[shape.length - 1]]);
  return tf.reshape(tf.add(tf.matMul(flat, p.w), p.b), [...shape.slice(0, -1), p.w.shape[1]]);
}
function layerNorm(p, x) {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), p.g), p.b);
}
// tfjs-backend-wasm 4.22 has no UnsortedSegmentSum, the kernel of gather's gradient, so an
// embedding table cannot train through tf.gather on it; the table's gradient is written as the
// scatter-add it is (ScatterNd sums repeated rows).
function embed(table, ids) {
  const lookup = tf.customGrad((t, i, save) => {
    save([i]);
    return { value: tf.gather(t, i), gradFunc: (dy, [i]) => {
      const [rows, width] = t.shape;
      const flat = tf.reshape(dy, [-1, width]);
      return [tf.scatterND(tf.reshape(i, [-1, 1]), flat, [rows, width]), tf.zerosLike(i)];
    } };
  });
  return lookup(table, ids);
}
const gelu = (x) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));

function transformerInit(d = 32, ff = 64, blocks = 2) {
  return {
    tokens: normal([VOCAB, d], 0.02), places: normal([POSITIONS, d], 0.02), norm: norm(d),
    blocks: Array.from({ length: blocks }, () => ({
      qkv: linear(d, 3 * d), out: linear(d, d), ff1: linear(d, ff), ff2: linear(ff, d), norm1: norm(d), norm2: norm(d),
    })),
    final: norm(d), classifier: linear(d, CLASSES),
  };
}

function transformer(p, ids, heads = 4) {
  const [b, n] = ids.shape;
  const d = p.tokens.shape[1];
  const bias = tf.reshape(tf.mul(tf.sub(1, tf.cast(tf.notEqual(ids, 0), 'float32')), -1e9), [b, 1, 1, n]);
  let x = layerNorm(p.norm, tf.add(embed(p.tokens, ids), tf.slice(p.places, [0, 0], [n, d])));
  for (const blk of p.blocks) {
    const split = (t) => tf.transpose(tf.reshape(t, [b, n, heads, d / heads]), [0, 2, 1, 3]);
    const [q, k, v] = tf.split(apply(blk.qkv, layerNorm(blk.norm1, x)), 3, -1).map(split);
    const scores = tf.add(tf.div(tf.matMul(q, k, false, true), Math.sqrt(d / heads)), bias);
    const context = tf.reshape(tf.transpose(tf.matMul(tf.softmax(scores), v), [0, 2, 1, 3]), [b, n, d]);
    x = tf.add(x, apply(blk.out, context));
    x = tf.add(x, apply(blk.ff2, gelu(apply(blk.ff1, layerNorm(blk.norm2, x)))));
  }
  return apply(p.classifier, layerNorm(p.final, tf.reshape(tf.slice(x, [0, 0, 0], [b, 1, d]), [b, d])));
}

function bilstmInit(e = 64, h = 64, fc = 64) {
  const direction = () => ({ ih: linear(e, 4 * h), hh: linear(h, 4 * h) });
  return { embedding: normal([VOCAB, e], 1), forward: direction(), backward: direction(), fc: linear(2 * h, fc), classifier: linear(fc, CLASSES) };
}

// One direction's states [b, n, h]; `reverse` reads the positions from the last.
function runDirection(d, x, mask, reverse) {
  const [b, n] = mask.shape;
  const h = d.hh.w.shape[0];
  const projected = apply(d.ih, x); // every position's input product at once
  let state = tf.zeros([b, h]), cell = tf.zeros([b, h]);
  const outputs = new Array(n);
  for (let s = 0; s < n; s++) {
    const t = reverse ? n - 1 - s : s;
    const xw = tf.reshape(tf.slice(projected, [0, t, 0], [b, 1, 4 * h]), [b, 4 * h]);
    const [i, f, g, o] = tf.split(tf.add(tf.add(xw, tf.matMul(state, d.hh.w)), d.hh.b), 4, 1);
    const cNew = tf.add(tf.mul(tf.sigmoid(f), cell), tf.mul(tf.sigmoid(i), tf.tanh(g)));
    const hNew = tf.mul(tf.sigmoid(o), tf.tanh(cNew));
    const keep = tf.slice(mask, [0, t], [b, 1]);
    state = tf.where(keep, hNew, state);
    cell = tf.where(keep, cNew, cell);
    outputs[t] = tf.mul(hNew, tf.cast(keep, 'float32'));
  }
  return tf.stack(outputs, 1);
}

function bilstm(p, ids) {
  const mask = tf.notEqual(ids, 0);
  const x = embed(p.embedding, ids);
  const states = tf.concat([runDirection(p.forward, x, mask, false), runDirection(p.backward, x, mask, true)], 2);
  const bias = tf.expandDims(tf.mul(tf.sub(1, tf.cast(mask, 'float32')), -1e9), 2);
  return apply(p.classifier, tf.relu(apply(p.fc, tf.max(tf.add(states, bias), 1))));
}

function bowInit(e = 32) {
  return { embedding: normal([VOCAB, e], 1), hidden: linear(e, e), classifier: linear(e, CLASSES) };
}

function bow(p, ids) {
  const mask = tf.cast(tf.notEqual(ids, 0), 'float32');
  const sum = tf.sum(tf.mul(embed(p.embedding, ids), tf.expandDims(mask, 2)), 1);
  const mean = tf.div(sum, tf.maximum(tf.sum(mask, 1, true), 1));
  return apply(p.classifier, tf.relu(apply(p.hidden, mean)));
}

const KINDS = { transformer: [transformerInit, transformer, 1e-3], bilstm: [bilstmInit, bilstm, 3e-3], bow: [bowInit, bow, 1e-2] };

function loss(forward, params, ids, labels, teacher) {
  const s = forward(params, ids);
  const ce = tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(s)), 1)));
  const tSoft = tf.softmax(tf.div(teacher, T));
  const kl = tf.mean(tf.sum(tf.mul(tSoft, tf.sub(tf.log(tf.add(tSoft, 1e-12)), tf.logSoftmax(tf.div(s, T)))), 1));
  return tf.add(tf.mul(ALPHA, ce), tf.mul((1 - ALPHA) * T * T, kl));
}

function data() {
  const ids = new Int32Array(ROWS * POSITIONS);
  for (let r = 0; r < ROWS; r++) {
    const length = 8 + Math.floor(Math.random() * (POSITIONS - 7));
    ids[r * POSITIONS] = 2;
    for (let i = 1; i < length; i++) ids[r * POSITIONS + i] = 5 + Math.floor(Math.random() * (VOCAB - 5));
  }
  return {
    ids: tf.tensor2d(ids, [ROWS, POSITIONS], 'int32'),
    labels: tf.oneHot(tf.randomUniform([ROWS], 0, CLASSES, 'int32'), CLASSES).cast('float32'),
    teacher: tf.randomNormal([ROWS, CLASSES], 0, 3),
  };
}

// Steps per second of the playground step (median of `repeats` runs of `steps`, after a warm-up).
window.runTextPeer = async ({ kind, batch, steps, repeats }) => {
  tf.wasm.setWasmPaths(new URL('node_modules/@tensorflow/tfjs-backend-wasm/dist/', location.href).href);
  await tf.setBackend('wasm');
  await tf.ready();
  const [init, forward, lr] = KINDS[kind];
  const set = data();
  const params = init();
  const optimizer = tf.train.adam(lr);
  const step = () => tf.tidy(() => {
    const rows = tf.tensor1d(Array.from({ length: batch }, () => Math.floor(Math.random() * ROWS)), 'int32');
    const [ids, labels, teacher] = [set.ids, set.labels, set.teacher].map((t) => tf.gather(t, rows));
    optimizer.minimize(() => loss(forward, params, ids, labels, teacher));
  });
  for (let i = 0; i < 3; i++) step();
  const probe = Object.values(params).find((v) => v instanceof tf.Variable);
  await probe.data();
  const rates = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    for (let i = 0; i < steps; i++) step();
    await probe.data();
    rates.push(steps / ((performance.now() - start) / 1000));
  }
  rates.sort((a, b) => a - b);
  return { steps_per_s: rates[Math.floor(repeats / 2)], tensors_after: tf.memory().numTensors };
};
