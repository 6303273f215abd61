// Second peer for PerfBench: the same Qwen2 work in TorchSharp 0.107 (libtorch 2.10, CPU), speaking the protocol
// of benchmarks/PerfBench/reference/peer_eager.py (one JSON line when ready, then "run K" -> one JSON line), so
// PerfBench interleaves it with ours exactly like the eager peer:
//   TorchSharpPeer --kind sft|rollout --checkpoint DIR [--batch B --seq T --prompt P --new N --threads 2]
// Kinds: sft (forward, token cross-entropy, backward, clip 1.0, AdamW) and rollout (greedy prefill + decode over
// a preallocated KV cache). Attention is libtorch's fused scaled_dot_product_attention.
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

string Arg(string name, string fallback) { var i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback; }
int IntArg(string name, int fallback) => int.Parse(Arg(name, fallback.ToString()));
var kind = Arg("--kind", "sft");
var checkpoint = Arg("--checkpoint", "");
int batch = IntArg("--batch", 4), seq = IntArg("--seq", 256), prompt = IntArg("--prompt", 64), newTokens = IntArg("--new", 32);
torch.set_num_threads(IntArg("--threads", 2));
if (kind is not ("sft" or "rollout"))
{
    Console.Error.WriteLine($"TorchSharpPeer: kind {kind} is not implemented (sft, rollout)");
    return 2;
}

var model = new Qwen2(checkpoint);
long vocab = model.Vocab;
var ids = torch.tensor(Enumerable.Range(0, batch).SelectMany(r => Enumerable.Range(0, kind == "sft" ? seq : prompt)
    .Select(t => (long)((r * 1009L + t * 7919L + 17) % (vocab - 8) + 4))).ToArray(), [batch, kind == "sft" ? seq : prompt]);
var optimizer = kind == "sft" ? torch.optim.AdamW(model.Parameters, 1e-5, 0.9, 0.95, 1e-8, 0.0) : null;
using var process = Process.GetCurrentProcess();
Console.WriteLine(new JsonObject { ["ready"] = true, ["torch"] = "torchsharp " + typeof(torch).Assembly.GetName().Version + " / libtorch " + torch.__version__, ["peak_rss_mb"] = PeakRssMb() }.ToJsonString());

string? line;
while ((line = Console.ReadLine()) is not null)
{
    var cmd = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    if (cmd.Length == 0 || cmd[0] == "quit") break;
    var seconds = new JsonArray(); var cpu = new JsonArray(); var prefill = new JsonArray(); var decode = new JsonArray();
    double check = 0;
    for (int i = 0; i < int.Parse(cmd[1]); i++)
    {
        process.Refresh();
        var c0 = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        if (optimizer is not null) check = SftStep(model, optimizer, ids);
        else
        {
            var (last, tp, td) = Generate(model, ids, newTokens);
            check = last; prefill.Add(tp); decode.Add(td);
        }
        seconds.Add(clock.Elapsed.TotalSeconds);
        process.Refresh();
        cpu.Add((process.TotalProcessorTime - c0).TotalSeconds);
    }
    var reply = new JsonObject { ["seconds"] = seconds, ["cpu_seconds"] = cpu, ["check"] = check, ["peak_rss_mb"] = PeakRssMb() };
    if (prefill.Count > 0) { reply["prefill_seconds"] = prefill; reply["decode_seconds"] = decode; }
    Console.WriteLine(reply.ToJsonString());
}
return 0;

static double SftStep(Qwen2 model, torch.optim.Optimizer optimizer, Tensor ids)
{
    using var scope = torch.NewDisposeScope();
    optimizer.zero_grad();
    var h = model.Hidden(ids, null, 0);
    long b = ids.shape[0], t = ids.shape[1];
    var logits = model.Logits(h.narrow(1, 0, t - 1).reshape(-1, h.shape[2]));
    var targets = ids.narrow(1, 1, t - 1).reshape(-1);
    var summed = F.cross_entropy(logits, targets, reduction: nn.Reduction.Sum);
    summed.div(targets.shape[0]).backward();
    nn.utils.clip_grad_norm_(model.Parameters, 1.0);
    optimizer.step();
    return summed.item<float>() / targets.shape[0];
}

static (double Last, double Prefill, double Decode) Generate(Qwen2 model, Tensor prompts, int newTokens)
{
    using var scope = torch.NewDisposeScope();
    using var noGrad = torch.no_grad();
    long b = prompts.shape[0], p = prompts.shape[1];
    var cache = model.NewCache(b, p + newTokens);
    var clock = Stopwatch.StartNew();
    var next = model.Logits(model.Hidden(prompts, cache, 0).select(1, -1)).argmax(-1);
    next[0].item<long>();
    double tp = clock.Elapsed.TotalSeconds;
    clock.Restart();
    for (int i = 1; i < newTokens; i++)
    {
        using var step = torch.NewDisposeScope();
        var n = model.Logits(model.Hidden(next.unsqueeze(1), cache, p + i - 1).select(1, -1)).argmax(-1);
        n[0].item<long>();
        next = n.MoveToOuterDisposeScope();
    }
    return (next[0].item<long>(), tp, clock.Elapsed.TotalSeconds);
}

static double PeakRssMb()
{
    foreach (var l in File.ReadLines("/proc/self/status"))
        if (l.StartsWith("VmHWM:", StringComparison.Ordinal)) return double.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
    return 0;
}

/// <summary>Qwen2 (HF modeling_qwen2 math) over plain tensors loaded from the checkpoint's model.safetensors.</summary>
internal sealed class Qwen2
{
    private readonly Dictionary<string, TorchSharp.Modules.Parameter> _w = new();
    private readonly long _h, _layers, _hq, _hkv, _d;
    private readonly double _eps, _theta;
    private readonly bool _tied;

    public Qwen2(string dir)
    {
        var c = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!;
        _h = (long)c["hidden_size"]!; _layers = (long)c["num_hidden_layers"]!; _hq = (long)c["num_attention_heads"]!;
        _hkv = (long)c["num_key_value_heads"]!; _d = _h / _hq; Vocab = (long)c["vocab_size"]!;
        _eps = (double)c["rms_norm_eps"]!; _theta = (double)c["rope_theta"]!; _tied = (bool?)c["tie_word_embeddings"] ?? false;
        var bytes = File.ReadAllBytes(Path.Combine(dir, "model.safetensors"));
        long headerLen = BitConverter.ToInt64(bytes, 0);
        var header = JsonNode.Parse(System.Text.Encoding.UTF8.GetString(bytes, 8, (int)headerLen))!.AsObject();
        foreach (var (name, info) in header)
        {
            if (name == "__metadata__") continue;
            if ((string)info!["dtype"]! != "F32") throw new InvalidDataException($"{name}: only F32 checkpoints");
            var shape = info["shape"]!.AsArray().Select(x => (long)x!).ToArray();
            var off = info["data_offsets"]!.AsArray().Select(x => (long)x!).ToArray();
            var data = MemoryMarshal.Cast<byte, float>(bytes.AsSpan((int)(8 + headerLen + off[0]), (int)(off[1] - off[0]))).ToArray();
            _w[name] = new TorchSharp.Modules.Parameter(torch.tensor(data, shape), requires_grad: true);
        }
        Parameters = _w.Values.ToArray();
    }

    public long Vocab { get; }
    public TorchSharp.Modules.Parameter[] Parameters { get; }

    public Tensor Logits(Tensor h) => F.linear(h, _w[_tied ? "model.embed_tokens.weight" : "lm_head.weight"]);

    public (Tensor[] K, Tensor[] V) NewCache(long b, long capacity) =>
        (Enumerable.Range(0, (int)_layers).Select(_ => torch.zeros(b, _hkv, capacity, _d)).ToArray(),
         Enumerable.Range(0, (int)_layers).Select(_ => torch.zeros(b, _hkv, capacity, _d)).ToArray());

    private Tensor Norm(Tensor x, string w) => _w[w] * (x * torch.rsqrt(x.pow(2).mean([-1L], keepdim: true) + _eps));

    private static Tensor RotateHalf(Tensor x)
    {
        long half = x.shape[^1] / 2;
        return torch.cat([x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half)], -1);
    }

    /// <summary>Final-norm hidden states [B, T, H]; with a cache, keys/values go at <paramref name="offset"/>.</summary>
    public Tensor Hidden(Tensor ids, (Tensor[] K, Tensor[] V)? cache, long offset)
    {
        long b = ids.shape[0], t = ids.shape[1];
        var invFreq = torch.pow(_theta, torch.arange(0, _d, 2, ScalarType.Int64).to(ScalarType.Float32) / _d).reciprocal();
        var freqs = torch.arange(offset, offset + t, 1, ScalarType.Int64).to(ScalarType.Float32).unsqueeze(-1) * invFreq;
        var emb = torch.cat([freqs, freqs], -1);
        var cos = emb.cos().view(1, 1, t, _d);
        var sin = emb.sin().view(1, 1, t, _d);
        var x = _w["model.embed_tokens.weight"].index_select(0, ids.reshape(-1)).view(b, t, _h);
        long g = _hq / _hkv;
        for (int i = 0; i < _layers; i++)
        {
            string p = $"model.layers.{i}.";
            var n = Norm(x, p + "input_layernorm.weight");
            var q = F.linear(n, _w[p + "self_attn.q_proj.weight"], _w[p + "self_attn.q_proj.bias"]).view(b, t, _hq, _d).transpose(1, 2);
            var k = F.linear(n, _w[p + "self_attn.k_proj.weight"], _w[p + "self_attn.k_proj.bias"]).view(b, t, _hkv, _d).transpose(1, 2);
            var v = F.linear(n, _w[p + "self_attn.v_proj.weight"], _w[p + "self_attn.v_proj.bias"]).view(b, t, _hkv, _d).transpose(1, 2);
            q = q * cos + RotateHalf(q) * sin;
            k = k * cos + RotateHalf(k) * sin;
            if (cache is { } kv)
            {
                kv.K[i].narrow(2, offset, t).copy_(k);
                kv.V[i].narrow(2, offset, t).copy_(v);
                k = kv.K[i].narrow(2, 0, offset + t);
                v = kv.V[i].narrow(2, 0, offset + t);
            }
            if (g > 1) { k = k.repeat_interleave(g, 1); v = v.repeat_interleave(g, 1); }
            // Causal only when the queries are the whole key range (prefill, training); one decode query sees all.
            var a = F.scaled_dot_product_attention(q, k, v, is_casual: t > 1);
            x = x + F.linear(a.transpose(1, 2).reshape(b, t, _h), _w[p + "self_attn.o_proj.weight"]);
            var m = Norm(x, p + "post_attention_layernorm.weight");
            var mlp = F.silu(F.linear(m, _w[p + "mlp.gate_proj.weight"])) * F.linear(m, _w[p + "mlp.up_proj.weight"]);
            x = x + F.linear(mlp, _w[p + "mlp.down_proj.weight"]);
        }
        return Norm(x, "model.norm.weight");
    }
}
