using System.Text.Json.Nodes;
using ReasonFlux.Models.Builtin;
using ReasonFlux.Tokenizers.Bpe;

namespace ReasonFlux.Fuzz;

/// <summary>Inputs the harnesses build on (a tokenizer with merges, a base recipe for --set), and the seeds they write.</summary>
public static class SeedFiles
{
    public const string Recipe = """
        run_name: fuzz
        stages:
          - kind: sft
            model: {path: "builtin:tiny"}
            data: {train: s.jsonl, max_seq_len: 64}
            training: {steps: 3, micro_batch_size: 2}
          - kind: grpo
            model:
              path: "${stages.sft.output}"
            data:
              train: p.jsonl
            rollout:
              group_size: 4
        """;

    /// <summary>builtin:tiny's byte-level tokenizer plus a few merges, so the merge loop is exercised too.</summary>
    public static JsonObject TokenizerJson()
    {
        var doc = BuiltinModels.TokenizerJson();
        var model = doc["model"]!.AsObject();
        var vocab = model["vocab"]!.AsObject();
        var merges = model["merges"]!.AsArray();
        int next = 256 + BuiltinModels.SpecialTokens.Count;
        string space = ByteLevelAlphabet.ByteToChar((byte)' ').ToString();
        foreach (var (a, b) in new[] { ("h", "e"), ("l", "l"), ("he", "ll"), (space, "t"), ("1", "2"), ("12", "3"), (space, "=") })
        {
            merges.Add(new JsonArray(a, b));
            vocab[a + b] = next++;
        }
        return doc;
    }

    public static JsonObject TokenizerConfigJson() => BuiltinModels.TokenizerConfigJson();

    /// <summary>Seeds that are generated rather than committed (they follow the code that writes them).</summary>
    public static void Write(string corpusRoot)
    {
        void Put(string target, string name, string text)
        {
            string dir = Path.Combine(corpusRoot, target);
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, name), text);
        }
        Put("tokenizer-json", "builtin-tiny-merges.json", TokenizerJson().ToJsonString());
        Put("tokenizer-config", "builtin-tiny.json", TokenizerConfigJson().ToJsonString());
        Put("recipe", "fuzz-base.yaml", Recipe);
    }
}
