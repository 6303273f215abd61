using static ReasonFlux.Torch.Interop.NativeMethods;

namespace ReasonFlux.Torch;

public static unsafe partial class torch
{
    public static partial class nn
    {
        /// <summary>Functional ops; the fused ones are one native call each and match Hugging Face Qwen2's eager math.</summary>
        public static class functional
        {
            public static Tensor linear(Tensor input, Tensor weight, Tensor? bias = null)
            {
                nint r;
                var status = rf_linear(input.H, weight.H, bias is null ? 0 : bias.H.DangerousGetHandle(), &r);
                GC.KeepAlive(bias);
                return Tensor.Result(status, r);
            }

            public static Tensor embedding(Tensor ids, Tensor weight)
            {
                nint r;
                return Tensor.Result(rf_embedding(weight.H, ids.H, &r), r);
            }

            public static Tensor silu(Tensor x) => x.silu();
            public static Tensor relu(Tensor x) => x.relu();
            public static Tensor softmax(Tensor x, long dim) => x.softmax(dim);
            public static Tensor log_softmax(Tensor x, long dim) => x.log_softmax(dim);

            /// <summary>Qwen2RMSNorm: x / rms(x) in fp32, cast back, times weight.</summary>
            public static Tensor rms_norm(Tensor x, Tensor weight, double eps)
            {
                nint r;
                return Tensor.Result(rf_rms_norm(x.H, weight.H, eps, &r), r);
            }

            /// <summary>silu(gate) * up in one call.</summary>
            public static Tensor swiglu(Tensor gate, Tensor up)
            {
                nint r;
                return Tensor.Result(rf_swiglu(gate.H, up.H, &r), r);
            }

            /// <summary>Rotary cos/sin tables [B, T, headDim] for explicit positions [B, T].</summary>
            public static (Tensor cos, Tensor sin) rotary_cos_sin(Tensor positions, long headDim, double theta, ScalarType dtype)
            {
                nint c, s;
                Interop.NativeStatus.Check(rf_rope_cos_sin(positions.H, headDim, theta, (int)dtype, &c, &s));
                return (new Tensor(c), new Tensor(s));
            }

            /// <summary>x [B, H, T, D] rotated by cos/sin [B, T, D] (HF's rotate_half convention).</summary>
            public static Tensor apply_rotary(Tensor x, Tensor cos, Tensor sin)
            {
                nint r;
                return Tensor.Result(rf_rope_apply(x.H, cos.H, sin.H, &r), r);
            }

            /// <summary>
            /// The mask of one forward pass, built once and shared by every layer: <paramref name="queries"/> queries
            /// at key positions <paramref name="queryOffset"/>.. over <paramref name="keys"/> keys, causal or not, with
            /// <paramref name="keyValid"/> [B, S] marking real (non-padding) keys, or null when nothing is padded.
            /// <paramref name="like"/> gives the device.
            /// </summary>
            public static AttentionMask attention_mask(long queries, long keys, long queryOffset, Tensor? keyValid, Tensor like, bool causal = true)
            {
                nint r;
                int plainCausal;
                var status = rf_attention_mask(queries, keys, queryOffset, causal ? 1 : 0, keyValid is null ? 0 : keyValid.H.DangerousGetHandle(), like.H, &plainCausal, &r);
                GC.KeepAlive(keyValid);
                Interop.NativeStatus.Check(status);
                return new AttentionMask(r == 0 ? null : new Tensor(r), plainCausal != 0);
            }

            /// <summary>
            /// The mask of packed rows: <paramref name="segments"/> [B, T] int64 gives each position's sequence
            /// (-1 for padding); a query sees the keys at or before it in its own sequence only, never across a boundary.
            /// </summary>
            public static AttentionMask segment_attention_mask(Tensor segments)
            {
                nint r;
                Interop.NativeStatus.Check(rf_segment_attention_mask(segments.H, &r));
                return new AttentionMask(new Tensor(r), false);
            }

            /// <summary>
            /// Grouped-query attention. q [B, Hq, T, D], k/v [B, Hkv, S, D], under a mask from
            /// <see cref="attention_mask"/>. SDPA on libtorch 2.x, explicit math on 1.13.
            /// </summary>
            public static Tensor attention(Tensor q, Tensor k, Tensor v, AttentionMask mask)
            {
                nint r;
                var status = rf_attention(q.H, k.H, v.H, mask.Allowed is null ? 0 : mask.Allowed.H.DangerousGetHandle(), mask.IsPlainCausal ? 1 : 0, &r);
                GC.KeepAlive(mask.Allowed);
                return Tensor.Result(status, r);
            }

            /// <summary>
            /// Grouped-query attention with its own mask: query i sits at key position <paramref name="queryOffset"/> + i
            /// (KV-cache decoding); <paramref name="keyValid"/> [B, S] masks padding.
            /// </summary>
            public static Tensor attention(Tensor q, Tensor k, Tensor v, Tensor? keyValid = null, long queryOffset = 0, bool causal = true)
            {
                var mask = attention_mask(q.size(2), k.size(2), queryOffset, keyValid, q, causal);
                try { return attention(q, k, v, mask); }
                finally { mask.Allowed?.Dispose(); }
            }

            /// <summary>log p(ids | logits) in fp32 at every position: gather minus logsumexp.</summary>
            public static Tensor token_logprobs(Tensor logits, Tensor ids)
            {
                nint r;
                return Tensor.Result(rf_token_logprobs(logits.H, ids.H, &r), r);
            }

            /// <summary>Positions per chunk in <see cref="lm_head_logprobs"/> by default: a [1024, V] block of fp32 logits at a time.</summary>
            public const long DefaultLogitsChunk = 1024;

            /// <summary>
            /// Logits kept for backward by default in <see cref="lm_head_logprobs"/> instead of recomputed: 64M elements,
            /// 256 MB in fp32 (a 16k-token sequence with a 152k vocabulary is 2.5G and is chunked).
            /// </summary>
            public const long DefaultLogitsKeepElements = 1L << 26;

            /// <summary>
            /// log p(ids) [...] in fp32 from hidden states [..., H] through the LM head <paramref name="weight"/> [V, H],
            /// with logits divided by <paramref name="temperature"/>. Logits exist only for <paramref name="chunk"/>
            /// positions at a time, in forward and backward (libtorch autograd Function); chunk 0 materialises them all.
            /// When all the logits number at most <paramref name="keepElements"/>, they are computed once and kept for
            /// backward (one LM-head matmul fewer); 0 always recomputes.
            /// </summary>
            public static Tensor lm_head_logprobs(Tensor hidden, Tensor weight, Tensor ids, double temperature = 1.0, long chunk = DefaultLogitsChunk, long keepElements = DefaultLogitsKeepElements)
            {
                CheckTemperature(temperature);
                nint r;
                return Tensor.Result(rf_lm_head_logprobs(hidden.H, weight.H, ids.H, 1.0 / temperature, chunk, keepElements, &r, null), r);
            }

            /// <summary>As <see cref="lm_head_logprobs"/>, plus the entropy [...] (fp32) of each position's distribution, differentiable too.</summary>
            public static (Tensor LogProbs, Tensor Entropy) lm_head_logprobs_entropy(Tensor hidden, Tensor weight, Tensor ids, double temperature = 1.0, long chunk = DefaultLogitsChunk, long keepElements = DefaultLogitsKeepElements)
            {
                CheckTemperature(temperature);
                nint r, e;
                Interop.NativeStatus.Check(rf_lm_head_logprobs(hidden.H, weight.H, ids.H, 1.0 / temperature, chunk, keepElements, &r, &e));
                return (new Tensor(r), new Tensor(e));
            }

            private static void CheckTemperature(double temperature)
            {
                if (!(temperature > 0) || double.IsInfinity(temperature))
                    throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be positive and finite");
            }

            public enum Reduction { None = 0, Mean = 1, Sum = 2 }

            /// <summary>Cross-entropy over logits [N, V] and targets [N]; targets equal to ignoreIndex do not count.</summary>
            public static Tensor cross_entropy(Tensor logits, Tensor target, long ignoreIndex = -100, Reduction reduction = Reduction.Mean)
            {
                nint r;
                return Tensor.Result(rf_cross_entropy(logits.H, target.H, ignoreIndex, (int)reduction, &r), r);
            }
        }
    }
}
