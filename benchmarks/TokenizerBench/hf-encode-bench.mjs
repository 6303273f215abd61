// HF tokenizers (Rust, via @anush008/tokenizers) on the same corpus, for TokenizerBench's side-by-side.
// Usage: node hf-encode-bench.mjs TOKENIZER_JSON CORPUS_JSON PASSES   (prints one JSON object)
// Run with RAYON_NUM_THREADS=1 so encodeBatch stays on one core.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "../../tests/data/tokenizers/package.json"));
const { Tokenizer } = require("@anush008/tokenizers");

const [tokenizerPath, corpusPath, passesArg] = process.argv.slice(2);
const texts = JSON.parse(readFileSync(corpusPath, "utf8"));
const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t, "utf8"), 0);
const passes = Number(passesArg ?? 3);

const opts = { addSpecialTokens: false };

// Same checksum as the C# side: FNV-1a over all ids in order.
function checksum(encodings) {
  let h = 0x811c9dc5;
  for (const ids of encodings) for (const id of ids) { h ^= id; h = Math.imul(h, 0x01000193) >>> 0; }
  return h >>> 0;
}

async function timed(fn) {
  const t0 = process.hrtime.bigint();
  const r = await fn();
  return [Number(process.hrtime.bigint() - t0) / 1e9, r];
}

// Warm-up, then per round a fresh tokenizer (empty cache): one cold and one warm encodeBatch.
let tokenizer = Tokenizer.fromFile(tokenizerPath);
await tokenizer.encodeBatch(texts, opts);
const cold = [], warm = [];
let ids = null;
for (let p = 0; p < passes; p++) {
  tokenizer = Tokenizer.fromFile(tokenizerPath);
  const [c, encs] = await timed(() => tokenizer.encodeBatch(texts, opts));
  const [w] = await timed(() => tokenizer.encodeBatch(texts, opts));
  cold.push(c);
  warm.push(w);
  if (p === 0) ids = encs.map((e) => Array.from(e.getIds()));
}
const [sequentialSeconds] = await timed(async () => { for (const t of texts) await tokenizer.encode(t, null, opts); });

console.log(JSON.stringify({
  bytes,
  tokens: ids.reduce((n, x) => n + x.length, 0),
  checksum: checksum(ids),
  batch_cold_best_seconds: Math.min(...cold),
  batch_warm_best_seconds: Math.min(...warm),
  sequential_await_seconds: sequentialSeconds,
}));
