// HF tokenizers' NFC (Rust, via @anush008/tokenizers) on a list of strings, for NfcIcuCompare's three-way check.
// HF's normalizer output is read back through the Qwen tokenizer: its only normalizer is NFC and its byte-level
// BPE round-trips any text, so decode(encode(s)) is NFC(s) as HF computes it.
// Usage: node hf-nfc.mjs TOKENIZER_JSON STRINGS_JSON   (prints a JSON array of the normalized strings)
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "../../tests/data/tokenizers/package.json"));
const { Tokenizer } = require("@anush008/tokenizers");

const [tokenizerPath, stringsPath] = process.argv.slice(2);
const strings = JSON.parse(readFileSync(stringsPath, "utf8"));
const tokenizer = Tokenizer.fromFile(tokenizerPath);
const out = [];
const batch = 2000;
for (let i = 0; i < strings.length; i += batch) {
  const encs = await tokenizer.encodeBatch(strings.slice(i, i + batch), { addSpecialTokens: false });
  const decoded = await tokenizer.decodeBatch(encs.map((e) => Array.from(e.getIds())), false);
  out.push(...decoded);
}
process.stdout.write(JSON.stringify(out));
