using System.Text.Json.Nodes;
using ReasonFlux.Models.Builtin;
using ReasonFlux.Models.Heads;
using ReasonFlux.Models.Qwen2;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Torch;
using ReasonFlux.Training.Prm;

namespace ReasonFlux.Training.Prm.Tests;

/// <summary>A two-class PRM on builtin:tiny with a freshly initialised head (scores are arbitrary but deterministic), and a small pool.</summary>
internal static class TinyPrm
{
    public static string Create(TempDir dir, long seed = 11)
    {
        var baseDir = BuiltinModels.Materialize("builtin:tiny", dir["tiny-base"], seed);
        var prmDir = dir["tiny-prm"];
        var tokenizer = PrmTokenizerFiles.Prepare(baseDir, "<extra_0>", Qwen2Config.Load(baseDir).VocabSize, null);
        var (model, config) = PrmModelFolder.Create(baseDir, PrmHead.TwoClass, PrmReadout.Paper, ScalarType.Float32, Device.CPU, seed);
        using (model) PrmModelFolder.Save(model, config, tokenizer, prmDir, ScalarType.Float32);
        return prmDir;
    }

    /// <summary>Pool records with varied lengths; every third has no trajectory (its response is scored as is).</summary>
    public static void WritePool(string path, int count)
    {
        var rng = new Random(5);
        var lines = new List<string>();
        for (int i = 0; i < count; i++)
        {
            var steps = Enumerable.Range(0, 1 + rng.Next(4)).Select(s => $"Step {s}: {rng.Next(100)} + {rng.Next(100)} is computed.");
            var o = new JsonObject { ["question"] = $"Problem {i}: add things.", ["response"] = $"The answer is \\boxed{{{rng.Next(200)}}}.", ["id"] = $"p{i}" };
            if (i % 3 != 2) o["trajectory"] = string.Join("\n\n", steps);
            lines.Add(o.ToJsonString());
        }
        File.WriteAllLines(path, lines);
    }
}
