using System.Text.Json.Nodes;

namespace PerfBench;

/// <summary>
/// Model FLOPs of one iteration, counted from config.json: 2 per multiply-add of every matmul (projections, MLP,
/// LM head, and the full T×T attention scores and weighted sum that eager attention computes); training is
/// forward + backward = 3 × forward. MFU = these FLOPs / seconds / the measured fp32 GEMM peak.
/// </summary>
internal static class Flops
{
    private sealed record Shape(long H, long I, long L, long Hq, long Hkv, long D, long V, bool Tied);

    private static Shape Read(string checkpoint)
    {
        var c = JsonNode.Parse(File.ReadAllText(Path.Combine(checkpoint, "config.json")))!;
        long h = (long)c["hidden_size"]!, hq = (long)c["num_attention_heads"]!;
        return new Shape(h, (long)c["intermediate_size"]!, (long)c["num_hidden_layers"]!, hq, (long)c["num_key_value_heads"]!, h / hq,
            (long)c["vocab_size"]!, (bool?)c["tie_word_embeddings"] ?? false);
    }

    public static long Parameters(string checkpoint)
    {
        var s = Read(checkpoint);
        long layer = s.H * s.Hq * s.D + s.Hq * s.D + 2 * (s.H * s.Hkv * s.D + s.Hkv * s.D) + s.Hq * s.D * s.H + 3 * s.H * s.I + 2 * s.H;
        return s.V * s.H * (s.Tied ? 1 : 2) + s.L * layer + s.H;
    }

    /// <summary>Forward FLOPs of <paramref name="rows"/> sequences of <paramref name="length"/> tokens, with or without the LM head.</summary>
    private static double Forward(Shape s, long rows, long length, bool lmHead)
    {
        double matmulParams = s.L * (2.0 * s.H * s.Hq * s.D + 2.0 * s.H * s.Hkv * s.D + 3.0 * s.H * s.I) + (lmHead ? s.V * s.H : 0);
        double attention = s.L * 4.0 * length * s.Hq * s.D;
        return rows * length * (2 * matmulParams + attention);
    }

    public static double PerIteration(string checkpoint, string kind, CellShape shape)
    {
        var s = Read(checkpoint);
        return kind switch
        {
            "sft" or "grpo" => 3 * Forward(s, shape.Batch, shape.Seq, lmHead: true),
            "prm" => Inputs.PrmLengths(shape.Items, shape.Seq).Sum(n => Forward(s, 1, n, lmHead: false)),
            _ => 0,
        };
    }
}
