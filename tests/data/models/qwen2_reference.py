"""Plain-PyTorch reference of Hugging Face's Qwen2 (modeling_qwen2, eager attention), without `transformers`.

Used to make golden numbers for the C# implementation and as the "PyTorch eager" peer of PerfBench.
Runs on Debian's python3-torch 1.13 (`/usr/bin/python3`); needs nothing else (numpy only for byte views).

Numerics follow modeling_qwen2 step by step, because the C# side is checked against these numbers:
  * RMSNorm: upcast to fp32, x * rsqrt(mean(x^2) + eps), cast back to the input dtype, then * weight.
  * RoPE: inv_freq = 1 / theta ** (arange(0, d, 2).float() / d); freqs = position_ids (float) * inv_freq in fp32;
    emb = cat(freqs, freqs); cos/sin computed in fp32 and cast to the hidden dtype; q*cos + rotate_half(q)*sin.
  * Attention: q/k/v_proj with bias, o_proj without; GQA via repeat_kv (kv head i serves query heads
    i*G .. i*G+G-1); scores = (q @ k^T) * head_dim**-0.5; masked entries get finfo(dtype).min added (HF adds the
    additive mask; for rows with at least one visible key this equals -inf masking after the fp32 softmax);
    softmax in fp32 then cast to the hidden dtype; @ v.
  * MLP: down(silu(gate(x)) * up(x)). Final norm, then lm_head (shared with embed_tokens when tied).

Position ids: `position_ids_from_mask` gives cumsum(attention_mask) - 1 for real tokens, i.e. each sequence's
real tokens are numbered 0,1,2,... whatever the left padding (what HF generation does). Pad positions get 1,
as in HF's prepare_inputs_for_generation (`masked_fill_(attention_mask == 0, 1)`); their value never reaches a
real token because pad keys are masked, and outputs at pad query positions are undefined.
"""

from __future__ import annotations

import json
import math
import os
import struct
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

# ----------------------------------------------------------------------------------------------------------
# Config
# ----------------------------------------------------------------------------------------------------------

_TORCH_DTYPE_NAMES = {torch.float32: "float32", torch.bfloat16: "bfloat16", torch.float16: "float16"}


@dataclass
class Qwen2Config:
    """The subset of HF's Qwen2Config that the forward pass depends on, plus the keys config.json carries."""

    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    rope_theta: float = 10000.0
    rms_norm_eps: float = 1e-6
    max_position_embeddings: int = 2048
    tie_word_embeddings: bool = False
    bos_token_id: int = 0
    eos_token_id: int = 1
    torch_dtype: str = "float32"
    initializer_range: float = 0.02
    architectures: List[str] = field(default_factory=lambda: ["Qwen2ForCausalLM"])

    def __post_init__(self) -> None:
        if self.hidden_size % self.num_attention_heads != 0:
            raise ValueError(f"hidden_size {self.hidden_size} not divisible by num_attention_heads {self.num_attention_heads}")
        if self.num_attention_heads % self.num_key_value_heads != 0:
            raise ValueError(f"num_attention_heads {self.num_attention_heads} not divisible by num_key_value_heads {self.num_key_value_heads}")
        if self.head_dim % 2 != 0:
            raise ValueError(f"head_dim {self.head_dim} must be even for RoPE")

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_attention_heads

    def to_hf_dict(self) -> dict:
        """config.json content with HF's Qwen2 keys (sorted on write)."""
        return {
            "architectures": list(self.architectures),
            "attention_dropout": 0.0,
            "bos_token_id": self.bos_token_id,
            "eos_token_id": self.eos_token_id,
            "hidden_act": "silu",
            "hidden_size": self.hidden_size,
            "initializer_range": self.initializer_range,
            "intermediate_size": self.intermediate_size,
            "max_position_embeddings": self.max_position_embeddings,
            "max_window_layers": self.num_hidden_layers,
            "model_type": "qwen2",
            "num_attention_heads": self.num_attention_heads,
            "num_hidden_layers": self.num_hidden_layers,
            "num_key_value_heads": self.num_key_value_heads,
            "rms_norm_eps": self.rms_norm_eps,
            "rope_scaling": None,
            "rope_theta": float(self.rope_theta),
            "sliding_window": None,
            "tie_word_embeddings": self.tie_word_embeddings,
            "torch_dtype": self.torch_dtype,
            "use_cache": True,
            "use_sliding_window": False,
            "vocab_size": self.vocab_size,
        }

    @staticmethod
    def from_hf_dict(d: dict) -> "Qwen2Config":
        if d.get("model_type") != "qwen2":
            raise ValueError(f"model_type must be 'qwen2', got {d.get('model_type')!r}")
        if d.get("hidden_act", "silu") != "silu":
            raise ValueError(f"hidden_act {d.get('hidden_act')!r} not supported")
        if d.get("use_sliding_window", False):
            raise ValueError("use_sliding_window=true not supported")
        if d.get("rope_scaling") not in (None, {}):
            raise ValueError(f"rope_scaling {d.get('rope_scaling')!r} not supported")
        return Qwen2Config(
            vocab_size=int(d["vocab_size"]),
            hidden_size=int(d["hidden_size"]),
            intermediate_size=int(d["intermediate_size"]),
            num_hidden_layers=int(d["num_hidden_layers"]),
            num_attention_heads=int(d["num_attention_heads"]),
            num_key_value_heads=int(d.get("num_key_value_heads", d["num_attention_heads"])),
            rope_theta=float(d.get("rope_theta", 10000.0)),
            rms_norm_eps=float(d.get("rms_norm_eps", 1e-6)),
            max_position_embeddings=int(d.get("max_position_embeddings", 32768)),
            tie_word_embeddings=bool(d.get("tie_word_embeddings", False)),
            bos_token_id=d.get("bos_token_id"),
            eos_token_id=d.get("eos_token_id"),
            torch_dtype=d.get("torch_dtype", "float32"),
            initializer_range=float(d.get("initializer_range", 0.02)),
            architectures=list(d.get("architectures") or ["Qwen2ForCausalLM"]),
        )


def write_config(folder: str, config: Qwen2Config, extra: Optional[dict] = None) -> str:
    """Writes folder/config.json (sorted keys, 2-space indent, trailing newline); returns the path."""
    d = config.to_hf_dict()
    if extra:
        d.update(extra)
    path = os.path.join(folder, "config.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(d, f, indent=2, sort_keys=True)
        f.write("\n")
    return path


def read_config(folder: str) -> Qwen2Config:
    with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
        return Qwen2Config.from_hf_dict(json.load(f))


# ----------------------------------------------------------------------------------------------------------
# safetensors (pure struct + json; little-endian host assumed, as on x86/arm64)
# ----------------------------------------------------------------------------------------------------------

_ST_DTYPES = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL",
}
_ST_DTYPES_INV = {v: k for k, v in _ST_DTYPES.items()}
# Same-width integer views: numpy has no bfloat16, so bytes are taken through an integer view of equal width.
_BYTE_VIEW = {
    torch.float64: torch.int64, torch.float32: torch.int32, torch.float16: torch.int16, torch.bfloat16: torch.int16,
    torch.int64: torch.int64, torch.int32: torch.int32, torch.int16: torch.int16, torch.int8: torch.int8,
    torch.uint8: torch.uint8, torch.bool: torch.uint8,
}


def _tensor_bytes(t: torch.Tensor) -> bytes:
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bool:
        t = t.to(torch.uint8)
    return t.view(_BYTE_VIEW[t.dtype]).numpy().tobytes()


def save_safetensors(path: str, tensors: Dict[str, torch.Tensor], metadata: Optional[Dict[str, str]] = None) -> None:
    """Writes a safetensors file: u64 LE header length, JSON header padded with spaces to a multiple of 8,
    tensors back to back in name order. `__metadata__` is {"format": "pt"} plus `metadata`."""
    names = sorted(tensors)
    header: Dict[str, object] = {"__metadata__": {"format": "pt", **(metadata or {})}}
    blobs = []
    offset = 0
    for name in names:
        t = tensors[name]
        if t.dtype not in _ST_DTYPES:
            raise ValueError(f"{name}: dtype {t.dtype} not supported by safetensors writer")
        b = _tensor_bytes(t)
        header[name] = {"dtype": _ST_DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * ((8 - len(hjson) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def load_safetensors(path: str) -> Tuple[Dict[str, torch.Tensor], Dict[str, str]]:
    """Reads a safetensors file into CPU tensors; returns (tensors, metadata). Validates offsets and sizes."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: file shorter than the 8-byte header length")
    (hlen,) = struct.unpack("<Q", data[:8])
    if 8 + hlen > len(data):
        raise ValueError(f"{path}: header length {hlen} exceeds file size {len(data)}")
    header = json.loads(data[8:8 + hlen].decode("utf-8"))
    body = memoryview(data)[8 + hlen:]
    metadata = header.pop("__metadata__", {}) or {}
    out: Dict[str, torch.Tensor] = {}
    spans = []
    for name, info in header.items():
        dtype = _ST_DTYPES_INV.get(info["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: tensor {name}: unknown dtype {info['dtype']}")
        begin, end = info["data_offsets"]
        shape = [int(s) for s in info["shape"]]
        numel = math.prod(shape)
        elem = torch.empty((), dtype=dtype).element_size()
        if not (0 <= begin <= end <= len(body)) or end - begin != numel * elem:
            raise ValueError(f"{path}: tensor {name}: bad data_offsets {info['data_offsets']} for {info['dtype']}{shape}")
        spans.append((begin, end, name))
        raw = bytearray(body[begin:end])
        view_dtype = _BYTE_VIEW[dtype]
        if numel == 0:
            t = torch.empty(shape, dtype=dtype)
        else:
            t = torch.frombuffer(raw, dtype=view_dtype).view(dtype if dtype != torch.bool else torch.uint8)
            t = t.reshape(shape)
            if dtype == torch.bool:
                t = t.to(torch.bool)
        out[name] = t
    spans.sort()
    for (b0, e0, n0), (b1, _, n1) in zip(spans, spans[1:]):
        if b1 < e0:
            raise ValueError(f"{path}: tensors {n0} and {n1} overlap")
    return out, metadata


# ----------------------------------------------------------------------------------------------------------
# Model
# ----------------------------------------------------------------------------------------------------------

class Qwen2RMSNorm(nn.Module):
    def __init__(self, hidden_size: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.variance_epsilon = eps

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        input_dtype = hidden_states.dtype
        hidden_states = hidden_states.to(torch.float32)
        variance = hidden_states.pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        return self.weight * hidden_states.to(input_dtype)


class Qwen2RotaryEmbedding(nn.Module):
    def __init__(self, dim: int, base: float):
        super().__init__()
        inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    @torch.no_grad()
    def forward(self, dtype: torch.dtype, position_ids: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        # [B, d/2, 1] @ [B, 1, T] in fp32, exactly as HF (a single-term product, so equal to an outer product).
        inv_freq_expanded = self.inv_freq[None, :, None].float().expand(position_ids.shape[0], -1, 1)
        position_ids_expanded = position_ids[:, None, :].float()
        freqs = (inv_freq_expanded @ position_ids_expanded).transpose(1, 2)
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos().to(dtype), emb.sin().to(dtype)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary_pos_emb(q, k, cos, sin):
    cos = cos.unsqueeze(1)  # [B, 1, T, d]
    sin = sin.unsqueeze(1)
    return (q * cos) + (rotate_half(q) * sin), (k * cos) + (rotate_half(k) * sin)


def repeat_kv(x: torch.Tensor, n_rep: int) -> torch.Tensor:
    """[B, kvH, T, d] -> [B, kvH*n_rep, T, d]; kv head i becomes query heads i*n_rep .. i*n_rep+n_rep-1."""
    if n_rep == 1:
        return x
    b, kvh, t, d = x.shape
    return x[:, :, None, :, :].expand(b, kvh, n_rep, t, d).reshape(b, kvh * n_rep, t, d)


class KVCache:
    """Preallocated per-layer key/value buffers [B, kvH, max_len, d]; `length` tokens are filled."""

    def __init__(self, config: Qwen2Config, batch: int, max_len: int, dtype: torch.dtype = torch.float32):
        shape = (batch, config.num_key_value_heads, max_len, config.head_dim)
        self.keys = [torch.zeros(shape, dtype=dtype) for _ in range(config.num_hidden_layers)]
        self.values = [torch.zeros(shape, dtype=dtype) for _ in range(config.num_hidden_layers)]
        self.max_len = max_len
        self.length = 0


class Qwen2Attention(nn.Module):
    def __init__(self, config: Qwen2Config, layer_idx: int):
        super().__init__()
        self.layer_idx = layer_idx
        self.head_dim = config.head_dim
        self.num_heads = config.num_attention_heads
        self.num_kv_heads = config.num_key_value_heads
        self.num_kv_groups = self.num_heads // self.num_kv_heads
        # Current HF multiplies by head_dim**-0.5; older releases divided by sqrt(head_dim). Bit-identical when
        # sqrt(head_dim) is a power of two (16, 64, 256), within 1 ulp otherwise (e.g. 128).
        self.scaling = self.head_dim ** -0.5
        h = config.hidden_size
        self.q_proj = nn.Linear(h, self.num_heads * self.head_dim, bias=True)
        self.k_proj = nn.Linear(h, self.num_kv_heads * self.head_dim, bias=True)
        self.v_proj = nn.Linear(h, self.num_kv_heads * self.head_dim, bias=True)
        self.o_proj = nn.Linear(self.num_heads * self.head_dim, h, bias=False)

    def forward(self, hidden_states, cos, sin, additive_mask, cache: Optional[KVCache] = None):
        b, t, _ = hidden_states.shape
        q = self.q_proj(hidden_states).view(b, t, self.num_heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(hidden_states).view(b, t, self.num_kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(hidden_states).view(b, t, self.num_kv_heads, self.head_dim).transpose(1, 2)
        q, k = apply_rotary_pos_emb(q, k, cos, sin)
        if cache is not None:
            start = cache.length
            cache.keys[self.layer_idx][:, :, start:start + t] = k
            cache.values[self.layer_idx][:, :, start:start + t] = v
            k = cache.keys[self.layer_idx][:, :, :start + t]
            v = cache.values[self.layer_idx][:, :, :start + t]
        k = repeat_kv(k, self.num_kv_groups)
        v = repeat_kv(v, self.num_kv_groups)
        attn = torch.matmul(q, k.transpose(2, 3)) * self.scaling
        if additive_mask is not None:
            attn = attn + additive_mask
        attn = F.softmax(attn, dim=-1, dtype=torch.float32).to(q.dtype)
        out = torch.matmul(attn, v).transpose(1, 2).reshape(b, t, self.num_heads * self.head_dim)
        return self.o_proj(out)


class Qwen2MLP(nn.Module):
    def __init__(self, config: Qwen2Config):
        super().__init__()
        h, i = config.hidden_size, config.intermediate_size
        self.gate_proj = nn.Linear(h, i, bias=False)
        self.up_proj = nn.Linear(h, i, bias=False)
        self.down_proj = nn.Linear(i, h, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Qwen2DecoderLayer(nn.Module):
    def __init__(self, config: Qwen2Config, layer_idx: int):
        super().__init__()
        self.self_attn = Qwen2Attention(config, layer_idx)
        self.mlp = Qwen2MLP(config)
        self.input_layernorm = Qwen2RMSNorm(config.hidden_size, config.rms_norm_eps)
        self.post_attention_layernorm = Qwen2RMSNorm(config.hidden_size, config.rms_norm_eps)

    def forward(self, x, cos, sin, additive_mask, cache=None):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, additive_mask, cache)
        return x + self.mlp(self.post_attention_layernorm(x))


def position_ids_from_mask(attention_mask: torch.Tensor, past_length: int = 0) -> torch.Tensor:
    """cumsum(mask) - 1 for real tokens; 1 at pad positions (HF generation's choice; never observable)."""
    pos = attention_mask.long().cumsum(-1) - 1
    pos = pos.masked_fill(attention_mask == 0, 1)
    return pos[:, past_length:]


def build_additive_mask(attention_mask: torch.Tensor, query_length: int, dtype: torch.dtype) -> torch.Tensor:
    """[B, 1, Tq, Tk] additive mask: 0 where key j is visible to query i (j <= i + past and key j not padding),
    finfo(dtype).min elsewhere. `attention_mask` [B, Tk] covers the cache plus the new tokens."""
    b, tk = attention_mask.shape
    past = tk - query_length
    q_idx = torch.arange(query_length)[:, None] + past
    k_idx = torch.arange(tk)[None, :]
    visible = (k_idx <= q_idx)[None, None, :, :] & (attention_mask[:, None, None, :] != 0)
    mask = torch.zeros(b, 1, query_length, tk, dtype=dtype)
    return mask.masked_fill(~visible, torch.finfo(dtype).min)


class Qwen2Model(nn.Module):
    def __init__(self, config: Qwen2Config):
        super().__init__()
        self.config = config
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size)
        self.layers = nn.ModuleList([Qwen2DecoderLayer(config, i) for i in range(config.num_hidden_layers)])
        self.norm = Qwen2RMSNorm(config.hidden_size, config.rms_norm_eps)
        self.rotary_emb = Qwen2RotaryEmbedding(config.head_dim, config.rope_theta)

    def forward(self, input_ids: torch.Tensor, attention_mask: Optional[torch.Tensor] = None,
                position_ids: Optional[torch.Tensor] = None, cache: Optional[KVCache] = None) -> torch.Tensor:
        """Returns the final-norm hidden states [B, T, H].

        attention_mask: [B, past + T] (1 = real token) or None (all real). position_ids default to
        position_ids_from_mask(attention_mask). With a cache, the new keys/values are written at cache.length
        and cache.length advances by T."""
        b, t = input_ids.shape
        past = cache.length if cache is not None else 0
        if attention_mask is None:
            attention_mask = torch.ones(b, past + t, dtype=torch.long)
        if attention_mask.shape != (b, past + t):
            raise ValueError(f"attention_mask shape {tuple(attention_mask.shape)} != {(b, past + t)}")
        if position_ids is None:
            position_ids = position_ids_from_mask(attention_mask, past)
        h = self.embed_tokens(input_ids)
        cos, sin = self.rotary_emb(h.dtype, position_ids)
        all_real = bool(attention_mask.all())
        additive_mask = None if (t == 1 and all_real) else build_additive_mask(attention_mask, t, h.dtype)
        for layer in self.layers:
            h = layer(h, cos, sin, additive_mask, cache)
        if cache is not None:
            cache.length += t
        return self.norm(h)


class Qwen2ForCausalLM(nn.Module):
    def __init__(self, config: Qwen2Config):
        super().__init__()
        self.config = config
        self.model = Qwen2Model(config)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        if config.tie_word_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight  # one shared parameter

    def forward(self, input_ids, attention_mask=None, position_ids=None, cache=None, last_only: bool = False):
        h = self.model(input_ids, attention_mask, position_ids, cache)
        if last_only:
            h = h[:, -1:, :]
        return self.lm_head(h)


class Qwen2ForProcessRewardModel(nn.Module):
    """Qwen2.5-Math-PRM / ReasonFlux-PRM-7B head: score = Linear(H,H) -> ReLU -> Linear(H,2) on every token,
    both Linear with bias (nn.Linear default). Keys score.0.{weight,bias}, score.2.{weight,bias}; no lm_head."""

    def __init__(self, config: Qwen2Config):
        super().__init__()
        self.config = config
        self.model = Qwen2Model(config)
        self.score = nn.Sequential(nn.Linear(config.hidden_size, config.hidden_size), nn.ReLU(),
                                   nn.Linear(config.hidden_size, 2))

    def forward(self, input_ids, attention_mask=None, position_ids=None):
        """Returns class logits [B, T, 2]."""
        return self.score(self.model(input_ids, attention_mask, position_ids))


def step_scores(class_logits: torch.Tensor, input_ids: torch.Tensor, sep_token_id: int) -> List[List[float]]:
    """make_step_rewards without its `!= 0` pitfall: softmax(logits)[..., 1] at each separator position."""
    probs = F.softmax(class_logits.float(), dim=-1)[..., 1]
    return [probs[i][input_ids[i] == sep_token_id].tolist() for i in range(input_ids.shape[0])]


class ScalarRewardModel(nn.Module):
    """ReasonFlux-PRM-1.5B: a Qwen2ForCausalLM checkpoint whose decoder (.model) feeds reward_head =
    Linear(H, 1) (weights in reward_head.pt, keys `weight` [1,H] and `bias` [1]). The released code reads the
    final-norm hidden state at index attention_mask.sum(1) - 1 (right padding) and returns sigmoid."""

    def __init__(self, config: Qwen2Config):
        super().__init__()
        self.config = config
        self.base_model = Qwen2ForCausalLM(config)
        self.reward_head = nn.Linear(config.hidden_size, 1)

    def forward(self, input_ids, attention_mask=None, position_ids=None):
        """Returns (reward_logit [B], reward = sigmoid(reward_logit) [B], last_index [B]).

        last_index is the last position whose mask is 1; for right padding this equals the released code's
        attention_mask.sum(1) - 1, and for left padding it is T-1."""
        b, t = input_ids.shape
        if attention_mask is None:
            attention_mask = torch.ones(b, t, dtype=torch.long)
        h = self.base_model.model(input_ids, attention_mask, position_ids)
        idx = torch.arange(t)[None, :].expand(b, t)
        last = torch.where(attention_mask != 0, idx, torch.full_like(idx, -1)).max(dim=1).values
        logit = self.reward_head(h[torch.arange(b), last]).squeeze(-1)
        return logit, torch.sigmoid(logit), last


# ----------------------------------------------------------------------------------------------------------
# Random weights
# ----------------------------------------------------------------------------------------------------------

# Standard deviations of the random test weights, by parameter-name suffix. Much larger than HF's
# initializer_range (0.02): with 0.02 the attention is uniform and the logits flat, so a RoPE, GQA-order or mask
# bug would barely move the numbers and greedy argmaxes would hang on tiny margins. These give peaked attention
# and logits with std ~2. Norm weights are 1 + 0.1*N(0,1) so that ignoring them is visible.
RANDOM_INIT_STD = {
    "embed_tokens.weight": 0.5, "q_proj.weight": 0.15, "k_proj.weight": 0.15, "v_proj.weight": 0.1,
    "o_proj.weight": 0.1, "gate_proj.weight": 0.1, "up_proj.weight": 0.1, "down_proj.weight": 0.1,
    "lm_head.weight": 0.25, "q_proj.bias": 0.3, "k_proj.bias": 0.3, "v_proj.bias": 0.1,
    "score.0.weight": 0.15, "score.0.bias": 0.1, "score.2.weight": 0.1, "score.2.bias": 0.1,
    "reward_head.weight": 0.1, "reward_head.bias": 0.1,
}
# With tied embeddings the logit of the current input token contains |E_x|^2 through the residual stream, so a
# random tied model with embeddings at 0.5 greedily repeats its last input token forever; at 0.1 the layer
# outputs dominate the residual and greedy continuations vary (top-2 margins stay >= 0.01).
TIED_EMBED_STD = 0.1


def init_random_weights(model: nn.Module, seed: int, fan_in_scaled: bool = False) -> None:
    """Fills every parameter (sorted by name; a tied parameter once) from torch.Generator().manual_seed(seed).

    fan_in_scaled: multiply each Linear std by sqrt(64 / in_features) so larger models keep the activation scale
    of the 64-wide test models (used by the benchmark)."""
    g = torch.Generator().manual_seed(seed)
    params = dict(model.named_parameters())  # tied parameters appear once
    with torch.no_grad():
        for name in sorted(params):
            p = params[name]
            if name.endswith("norm.weight"):
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g))
                continue
            key = next((k for k in RANDOM_INIT_STD if name.endswith(k)), None)
            if key is None:
                raise KeyError(f"no init rule for {name}")
            std = RANDOM_INIT_STD[key]
            if key == "embed_tokens.weight" and getattr(model, "config", None) is not None and model.config.tie_word_embeddings:
                std = TIED_EMBED_STD
            if fan_in_scaled and p.dim() == 2 and not name.endswith("embed_tokens.weight"):
                std *= math.sqrt(64.0 / p.shape[1])
            p.copy_(std * torch.randn(p.shape, generator=g))


# ----------------------------------------------------------------------------------------------------------
# Checkpoint folders
# ----------------------------------------------------------------------------------------------------------

def checkpoint_state_dict(model: nn.Module) -> Dict[str, torch.Tensor]:
    """HF names; a tied lm_head.weight is left out (written once, as model.embed_tokens.weight)."""
    sd = dict(model.state_dict())
    cfg = getattr(model, "config", None)
    if cfg is not None and cfg.tie_word_embeddings:
        sd.pop("lm_head.weight", None)
    return sd


def save_pretrained(model: nn.Module, folder: str, dtype: Optional[torch.dtype] = None) -> None:
    """Writes config.json and model.safetensors. ScalarRewardModel also writes reward_head.pt (torch.save of
    the head's state_dict, as the released code does) and reward_head.safetensors (same keys)."""
    os.makedirs(folder, exist_ok=True)
    base = model.base_model if isinstance(model, ScalarRewardModel) else model
    cfg = base.config
    if dtype is not None:
        cfg.torch_dtype = _TORCH_DTYPE_NAMES[dtype]
    write_config(folder, cfg)
    sd = checkpoint_state_dict(base)
    if dtype is not None:
        sd = {k: v.to(dtype) for k, v in sd.items()}
    save_safetensors(os.path.join(folder, "model.safetensors"), sd)
    if isinstance(model, ScalarRewardModel):
        head = {k: v.detach().clone() for k, v in model.reward_head.state_dict().items()}
        torch.save(head, os.path.join(folder, "reward_head.pt"))
        save_safetensors(os.path.join(folder, "reward_head.safetensors"), head)


def _load_strict(module: nn.Module, tensors: Dict[str, torch.Tensor], what: str) -> None:
    expected = set(checkpoint_state_dict(module))
    got = set(tensors)
    if expected != got:
        raise ValueError(f"{what}: missing {sorted(expected - got)}, unexpected {sorted(got - expected)}")
    own = module.state_dict()
    for k, v in tensors.items():
        if tuple(own[k].shape) != tuple(v.shape):
            raise ValueError(f"{what}: tensor {k} shape {tuple(v.shape)} != expected {tuple(own[k].shape)}")
    module.load_state_dict(tensors, strict=False)


def from_pretrained(folder: str, kind: Optional[str] = None) -> nn.Module:
    """Loads a folder written by save_pretrained (or an HF one with a single model.safetensors).
    kind: "causal_lm", "prm" or "scalar_rm"; by default from architectures / presence of reward_head.*"""
    cfg = read_config(folder)
    if kind is None:
        if "Qwen2ForProcessRewardModel" in cfg.architectures:
            kind = "prm"
        elif os.path.exists(os.path.join(folder, "reward_head.safetensors")) or os.path.exists(os.path.join(folder, "reward_head.pt")):
            kind = "scalar_rm"
        else:
            kind = "causal_lm"
    tensors, _ = load_safetensors(os.path.join(folder, "model.safetensors"))
    dtype = next(iter(tensors.values())).dtype
    if kind == "causal_lm":
        model = Qwen2ForCausalLM(cfg)
        _load_strict(model, tensors, folder)
    elif kind == "prm":
        model = Qwen2ForProcessRewardModel(cfg)
        _load_strict(model, tensors, folder)
    elif kind == "scalar_rm":
        model = ScalarRewardModel(cfg)
        _load_strict(model.base_model, tensors, folder)
        st = os.path.join(folder, "reward_head.safetensors")
        head = load_safetensors(st)[0] if os.path.exists(st) else torch.load(os.path.join(folder, "reward_head.pt"))
        model.reward_head.load_state_dict(head, strict=True)
    else:
        raise ValueError(f"unknown kind {kind!r}")
    return model.to(dtype).eval()
