// Writes llama3-style/tokenizer.json (Qwen's vocabulary and merges with Llama-3's Split pattern, \p{N}{1,3}, and
// ignore_merges=true, as Llama-3 and DeepSeek-R1-Distill-Llama ship them; not committed, written by setup.sh) and
// golden/llama3-style-encode.json: HF tokenizers' ids (Rust, via @anush008/tokenizers) on the texts of
// qwen-encode.json and qwen-nonbmp.json plus digit runs, for the Llama-3 form of the code-point pre-tokenizer.
// Usage: node make-llama3-style-golden.mjs [--tokenizer-only]
import { readFileSync, writeFileSync, mkdirSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { casesJson } from "./golden-format.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const LLAMA3_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const qwen = JSON.parse(readFileSync(join(here, "qwen", "tokenizer.json"), "utf8"));
const split = qwen.pre_tokenizer.pretokenizers.find((p) => p.type === "Split");
split.pattern.Regex = LLAMA3_PATTERN;
qwen.model.ignore_merges = true;
const outDir = join(here, "llama3-style");
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "tokenizer.json.tmp"), JSON.stringify(qwen));
renameSync(join(outDir, "tokenizer.json.tmp"), join(outDir, "tokenizer.json"));
if (process.argv.includes("--tokenizer-only")) process.exit(0);

const { Tokenizer } = (await import("@anush008/tokenizers")).default;
const tokenizer = Tokenizer.fromFile(join(outDir, "tokenizer.json"));
const texts = ["qwen-encode.json", "qwen-nonbmp.json"].flatMap((f) => JSON.parse(readFileSync(join(here, "golden", f), "utf8")).cases.map((c) => c.text));
texts.push("1", "12", "123", "1234", "12345", "1234567", " 1234 ", "x1234y", "3.14159265", "1,000,000", "\u0663\u0664\u0665\u0666",
  "1\uD835\uDFCF2\uD835\uDFD03", "\uD835\uDFCE\uD835\uDFCF\uD835\uDFD0\uD835\uDFD1", "\u00BD\u00BE1", "\u2460\u2461\u2462\u2463", "12\u00B2", "2024-01-01");
const cases = [];
for (const text of texts) {
  const enc = await tokenizer.encode(text, null, { addSpecialTokens: false });
  cases.push({ text, ids: Array.from(enc.getIds()) });
}
const header = { source: "HF tokenizers (Rust) via @anush008/tokenizers 0.6.0 on llama3-style/tokenizer.json (make-llama3-style-golden.mjs); encode(text, null, {addSpecialTokens:false})" };
writeFileSync(join(here, "golden", "llama3-style-encode.json"), casesJson(header, cases));
console.log(`wrote llama3-style/tokenizer.json and golden/llama3-style-encode.json: ${cases.length} strings`);
