using System.Diagnostics;
using ReasonFlux.Models;
using ReasonFlux.Models.Builtin;
using ReasonFlux.Models.Qwen2;

namespace PerfBench;

/// <summary>
/// One random model per config, written once by the peer (so both sides load identical weights) plus the
/// built-in byte-level tokenizer files our loaders want beside it. Without a peer (the GPU run) our side writes
/// it, which also covers the GPU-sized shapes the eager peer does not know.
/// </summary>
internal static class Checkpoints
{
    /// <summary>Qwen2-0.5B and Qwen2-1.5B shapes (tied embeddings, 151 936-token vocabulary), for the GPU run.</summary>
    private static Qwen2Config? GpuConfig(string name) => name switch
    {
        "0.5b" => new Qwen2Config { HiddenSize = 896, IntermediateSize = 4864, NumHiddenLayers = 24, NumAttentionHeads = 14, NumKeyValueHeads = 2, VocabSize = 151936, TieWordEmbeddings = true, RopeTheta = 1e6 },
        "1.5b" => new Qwen2Config { HiddenSize = 1536, IntermediateSize = 8960, NumHiddenLayers = 28, NumAttentionHeads = 12, NumKeyValueHeads = 2, VocabSize = 151936, TieWordEmbeddings = true, RopeTheta = 1e6 },
        _ => null,
    };

    public static string Ensure(string root, string outDir, string config, bool prm, bool byPeer)
    {
        var dir = Path.Combine(outDir, $"ckpt-{config}" + (prm ? "-prm" : ""));
        if (!File.Exists(Path.Combine(dir, "model.safetensors")) && !byPeer)
        {
            var shape = GpuConfig(config) ?? throw new ArgumentException($"without a peer, config {config} must be 0.5b or 1.5b");
            if (prm) throw new ArgumentException("the GPU run has no PRM shape");
            Directory.CreateDirectory(dir);
            using var model = PretrainedModel.Create(shape, seed: 0);
            PretrainedModel.Save(model, shape, dir);
        }
        else if (!File.Exists(Path.Combine(dir, "model.safetensors")))
        {
            var psi = new ProcessStartInfo("/usr/bin/python3",
                $"{root}/benchmarks/PerfBench/reference/peer_eager.py --make-checkpoint {dir} --config {config}" + (prm ? " --prm" : "")) { UseShellExecute = false };
            using var p = Process.Start(psi)!;
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"writing {dir} failed (exit {p.ExitCode})");
        }
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), BuiltinModels.TokenizerJson().ToJsonString());
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), BuiltinModels.TokenizerConfigJson().ToJsonString());
        return dir;
    }
}
