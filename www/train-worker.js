// The students' training worker (src/web/training_worker.rs). It runs the page's own CPU-only
// build, named with its content hash in engines.json: without a document, that build's main
// serves training instead of mounting the page. A classic worker (gloo-worker starts those),
// so the ES-module build comes in through import().
(async () => {
  const engines = await fetch('engines.json', { cache: 'no-cache' });
  if (!engines.ok) throw new Error(`engines.json: HTTP ${engines.status}`);
  const { cpu } = await engines.json();
  const glue = await import(new URL(cpu.js, self.location.href).href);
  await glue.default({ module_or_path: new URL(cpu.wasm, self.location.href).href });
})().catch((e) => {
  // The page waits for the worker's greeting, then trains by itself.
  console.error('the training worker did not start:', e);
  self.close();
});
