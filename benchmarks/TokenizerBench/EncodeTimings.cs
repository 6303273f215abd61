using System.Diagnostics;
using ReasonFlux.Tokenizers;

namespace ReasonFlux.Benchmarks.Tokenizer;

/// <summary>Cold (cache cleared) and warm encode passes of one tokenizer over a corpus.</summary>
internal sealed class EncodeTimings(BpeTokenizer tokenizer)
{
    public List<double> Cold { get; } = [];

    public List<double> Warm { get; } = [];

    /// <summary>The ids of the first cold pass.</summary>
    public List<int[]> FirstIds { get; private set; } = [];

    public void WarmUp(List<string> texts)
    {
        foreach (var t in texts) tokenizer.Encode(t);
    }

    public void Round(List<string> texts)
    {
        tokenizer.ClearCache();
        var sw = Stopwatch.StartNew();
        var ids = new List<int[]>(texts.Count);
        foreach (var t in texts) ids.Add(tokenizer.Encode(t));
        Cold.Add(sw.Elapsed.TotalSeconds);
        sw.Restart();
        foreach (var t in texts) tokenizer.Encode(t);
        Warm.Add(sw.Elapsed.TotalSeconds);
        if (FirstIds.Count == 0) FirstIds = ids;
    }

    /// <summary>FNV-1a over all ids in order (hf-encode-bench.mjs computes the same).</summary>
    public static uint Checksum(List<int[]> encodings)
    {
        uint h = 0x811c9dc5;
        foreach (var ids in encodings) foreach (int id in ids) { h ^= (uint)id; h *= 0x01000193; }
        return h;
    }
}
