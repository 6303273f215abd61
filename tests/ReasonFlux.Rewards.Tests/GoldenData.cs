using System.Text.Json.Nodes;
using ReasonFlux.Tests.Shared;

namespace ReasonFlux.Rewards.Tests;

/// <summary>tests/data/models/golden.json (made by the plain-PyTorch reference; see that folder's README).</summary>
internal static class GoldenData
{
    private static readonly Lazy<JsonObject> Root = new(() =>
        JsonNode.Parse(File.ReadAllText(RepoPaths.TestData("models", "golden.json")))!.AsObject());

    public static JsonObject Case(string checkpoint, string caseName) =>
        Root.Value["checkpoints"]![checkpoint]!["cases"]!.AsArray().Select(c => c!.AsObject()).Single(c => (string)c["name"]! == caseName);

    /// <summary>The real (unpadded) token ids of each row of a case.</summary>
    public static int[][] RealRows(JsonObject c)
    {
        var ids = c["input_ids"]!.AsArray();
        var mask = c["attention_mask"]!.AsArray();
        return ids.Select((row, b) => row!.AsArray().Select(x => (int)x!).Where((_, t) => (int)mask[b]![t]! == 1).ToArray()).ToArray();
    }

    public static double[] Doubles(JsonNode? node) => node!.AsArray().Select(x => (double)x!).ToArray();
}
