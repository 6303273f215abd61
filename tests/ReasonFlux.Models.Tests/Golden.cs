using System.Text.Json.Nodes;
using ReasonFlux.Tests.Shared;

namespace ReasonFlux.Models.Tests;

/// <summary>tests/data/models/golden.json, made once by the plain-PyTorch reference (see that folder's README).</summary>
internal static class Golden
{
    private static readonly Lazy<JsonObject> Root = new(() =>
        JsonNode.Parse(File.ReadAllText(RepoPaths.TestData("models", "golden.json")))!.AsObject());

    public static JsonObject Checkpoint(string name) => Root.Value["checkpoints"]![name]!.AsObject();

    public static string Folder(string name) => RepoPaths.TestData("models", name);

    public static JsonObject Case(string checkpoint, string group, string caseName) =>
        Checkpoint(checkpoint)[group]!.AsArray().Select(c => c!.AsObject()).Single(c => (string)c["name"]! == caseName);

    public static long[] Ints2D(JsonNode node, out long rows, out long cols)
    {
        var arr = node.AsArray();
        rows = arr.Count;
        cols = arr[0]!.AsArray().Count;
        return arr.SelectMany(r => r!.AsArray().Select(x => (long)x!)).ToArray();
    }

    /// <summary>
    /// Flattens nested numeric lists. A null (an undefined output at a padded position) becomes as many NaNs as
    /// its non-null siblings hold, so positions stay aligned with the model's output.
    /// </summary>
    public static double[] Flatten(JsonNode? node)
    {
        if (node is JsonValue v) return [(double)v];
        if (node is not JsonArray a) return [double.NaN];
        var width = a.FirstOrDefault(x => x is not null) is { } sibling ? Flatten(sibling).Length : 1;
        return a.SelectMany(x => x is null ? Enumerable.Repeat(double.NaN, width) : Flatten(x)).ToArray();
    }
}
