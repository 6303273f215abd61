// Writes golden/hf-nfc.json: HF tokenizers' own NFC (Rust, via @anush008/tokenizers) on strings from Unicode's
// NormalizationTest.txt: every line with a code point newer than Unicode 9.0 (where HF, on 9.0 tables, differs
// from current Unicode) and every 10th other line, columns c1 (source) and c3 (NFD). HF's NFC is read back as
// decode(encode(s)) through qwen/tokenizer.json, whose only normalizer is NFC and whose byte-level BPE round-trips.
// Needs Debian's unicode-data: bzcat /usr/share/unicode/NormalizationTest.txt.bz2 > /tmp/NormalizationTest.txt
// Run after ./setup.sh:  node make-hf-nfc-golden.mjs [/tmp/NormalizationTest.txt] [/usr/share/unicode/DerivedAge.txt]
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { casesJson } from "./golden-format.mjs";
import tokenizers from "@anush008/tokenizers";

const here = dirname(fileURLToPath(import.meta.url));
const [testPath = "/tmp/NormalizationTest.txt", agePath = "/usr/share/unicode/DerivedAge.txt"] = process.argv.slice(2);

const upTo9 = [];
for (const raw of readFileSync(agePath, "utf8").split("\n")) {
  const line = raw.split("#")[0].trim();
  if (!line) continue;
  const [cps, age] = line.split(";").map((x) => x.trim());
  const [major, minor] = age.split(".").map(Number);
  if (major > 9 || (major === 9 && minor > 0)) continue;
  const [lo, hi] = cps.split("..").map((h) => parseInt(h, 16));
  upTo9.push([lo, hi ?? lo]);
}
const assignedBy9 = (cp) => upTo9.some(([lo, hi]) => cp >= lo && cp <= hi);

const text = readFileSync(testPath, "utf8");
const version = /# NormalizationTest-([\d.]+)\.txt/.exec(text)[1];
const strings = [];
let n = 0;
for (const raw of text.split("\n")) {
  if (raw.startsWith("@") || raw.startsWith("#")) continue;
  const line = raw.split("#")[0].trim();
  if (!line) continue;
  const cols = line.split(";").slice(0, 5).map((c) => String.fromCodePoint(...c.trim().split(" ").map((h) => parseInt(h, 16))));
  const newer = [...cols[0]].some((ch) => !assignedBy9(ch.codePointAt(0)));
  if (newer || n++ % 10 === 0) strings.push(cols[0], cols[2]);
}

const tokenizer = tokenizers.Tokenizer.fromFile(join(here, "qwen", "tokenizer.json"));
const cases = [];
for (let i = 0; i < strings.length; i += 2000) {
  const chunk = strings.slice(i, i + 2000);
  const encs = await tokenizer.encodeBatch(chunk, { addSpecialTokens: false });
  const nfc = await tokenizer.decodeBatch(encs.map((e) => Array.from(e.getIds())), false);
  chunk.forEach((s, k) => cases.push({ text: s, nfc: nfc[k] }));
}
const header = { source: `HF tokenizers (Rust) via @anush008/tokenizers 0.6.0, decode(encode(s)) on qwen/tokenizer.json; strings from NormalizationTest-${version}.txt; make-hf-nfc-golden.mjs` };
writeFileSync(join(here, "golden", "hf-nfc.json"), casesJson(header, cases));
console.log(`wrote golden/hf-nfc.json: ${cases.length} strings`);
