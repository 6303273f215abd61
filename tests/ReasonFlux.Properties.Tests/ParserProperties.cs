using System.Text;
using CsCheck;
using ReasonFlux.Algorithms;
using ReasonFlux.Checkpoints;
using ReasonFlux.Fuzz;
using ReasonFlux.Grading;
using ReasonFlux.Recipes.Loading;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Tokenizers;
using ReasonFlux.Tokenizers.Normalization;

namespace ReasonFlux.Properties.Tests;

/// <summary>Round trips and invariants over random inputs (CsCheck shrinks a failure to a small example).</summary>
public sealed class ParserProperties
{
    private static Gen<T> Pick<T>(params T[] values) => Gen.Int[0, values.Length - 1].Select(i => values[i]);

    private static readonly Lazy<BpeTokenizer> Tokenizer = new(() =>
        BpeTokenizer.FromJson(SeedFiles.TokenizerJson().ToJsonString(), SeedFiles.TokenizerConfigJson().ToJsonString(), "seed/tokenizer.json"));

    /// <summary>Text from whole code points (no lone surrogates), biased towards what chat data holds.</summary>
    private static readonly Gen<string> Text =
        Gen.OneOf(
                Gen.Char['a', 'z'].Select(c => c.ToString()),
                Gen.Char[' ', '~'].Select(c => c.ToString()),
                Pick(" ", "\n", "\n\n", "\t", "  ", "12", "<|im_start|>", "<|im_end|>", "<think>", "</think>", "e\u0301", "\u00e9", "\u0301", "\\boxed{", "}"),
                Gen.Int[0x80, 0x10FFFF].Where(cp => cp is < 0xD800 or > 0xDFFF).Select(char.ConvertFromUtf32))
            .Array[0, 24]
            .Select(parts => string.Concat(parts));

    [Fact]
    public void Tokenizer_DecodeOfEncode_IsTheNfcText() =>
        Text.Sample(text =>
        {
            var ids = Tokenizer.Value.Encode(text);
            return Tokenizer.Value.Decode(ids) == NfcNormalizer.Normalize(text);
        }, iter: 400);

    [Fact]
    public void Tokenizer_StreamDecoding_EqualsDecodingAtOnce() =>
        Text.Sample(text =>
        {
            var ids = Tokenizer.Value.Encode(text, splitSpecialTokens: true);
            var stream = Tokenizer.Value.CreateStreamDecoder();
            var sb = new StringBuilder();
            foreach (int id in ids) sb.Append(stream.Push(id));
            sb.Append(stream.Flush());
            return sb.ToString() == Tokenizer.Value.Decode(ids);
        }, iter: 300);

    private sealed record TensorCase(string Name, DType DType, long[] Shape, byte[] Data);

    private static readonly Gen<TensorCase[]> Tensors =
        Gen.Select(Gen.Enum<DType>(), Gen.Long[0, 4].Array[0, 3])
            .SelectMany(t => Gen.Byte.Array[(int)(t.Item2.Aggregate(1L, (a, b) => a * b) * t.Item1.ElementSize())]
                .Select(bytes => (t.Item1, t.Item2, bytes)))
            .Array[1, 6]
            .Select(list => list.Select((t, i) => new TensorCase($"layer.{i}.w", t.Item1, t.Item2, t.bytes)).ToArray());

    [Fact]
    public void Safetensors_WriteThenRead_IsBitExact()
    {
        string dir = Directory.CreateTempSubdirectory("rf-prop-st").FullName;
        try
        {
            int n = 0;
            Tensors.Sample(cases =>
            {
                string path = Path.Combine(dir, $"m{n++}.safetensors");
                SafetensorsWriter.WriteFile(path, cases.Select(c => TensorWriteSource.FromBytes(c.Name, c.DType, c.Shape, c.Data)));
                using var file = SafetensorsFile.Open(path);
                bool same = file.Count == cases.Length && cases.All(c =>
                {
                    var info = file.GetInfo(c.Name);
                    return info.DType == c.DType && info.Shape.SequenceEqual(c.Shape) && file.GetBytes(c.Name).SequenceEqual(c.Data);
                });
                File.Delete(path);
                return same;
            }, iter: 150);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Recipe_SetThenWrite_GivesTheSameRecipe() =>
        Gen.Select(Gen.Int[1, 100_000], Gen.Int[1, 64], Gen.Double[1e-7, 1.0], Gen.Int[2, 32]).Sample((steps, batch, lr, group) =>
        {
            string[] overrides =
            [
                $"sft.training.steps={steps}",
                $"stages.0.training.micro_batch_size={batch}",
                $"sft.optimizer.lr={lr.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}",
                $"grpo.rollout.group_size={group}",
            ];
            var recipe = RecipeLoader.Parse(SeedFiles.Recipe, "base.yaml", overrides);
            var sft = (SftOptions)recipe.GetStage("sft");
            var grpo = (GrpoOptions)recipe.GetStage("grpo");
            string written = RecipeWriter.Write(recipe);
            string rewritten = RecipeWriter.Write(RecipeLoader.Parse(written, "base.yaml"));
            Assert.Equal(steps, sft.Training.Steps);
            Assert.Equal(batch, sft.Training.MicroBatchSize);
            Assert.Equal(lr, sft.Optimizer.Lr);
            Assert.Equal(group, grpo.Rollout.GroupSize);
            Assert.Equal(written, rewritten);
        }, iter: 100);

    /// <summary>One value written several ways, and other values.</summary>
    private static readonly Gen<string> Answer =
        Gen.OneOf(
            Gen.Int[-50, 50].Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Gen.Select(Gen.Int[-20, 20], Gen.Int[1, 12]).Select((p, q) => $"\\frac{{{p}}}{{{q}}}"),
            Gen.Select(Gen.Int[-20, 20], Gen.Int[1, 12]).Select((p, q) => $"{p}/{q}"),
            Gen.Int[-400, 400].Select(i => (i / 4.0).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)),
            Gen.Int[1, 30].Select(i => $"\\sqrt{{{i}}}"),
            Gen.Select(Gen.Int[-9, 9], Gen.Int[-9, 9]).Select((a, b) => $"({a}, {b})"),
            Pick("x", "2x", "x^2", "\\pi", "2\\pi", "\\infty", "\\text{yes}", "A", "\\{1, 2\\}"));

    [Fact]
    public void Grader_Equivalence_IsSymmetricAndReflexive() =>
        Gen.Select(Answer, Answer).Sample((a, b) =>
            AnswerGrader.AreEquivalent(a, a) && AnswerGrader.AreEquivalent(a, b) == AnswerGrader.AreEquivalent(b, a), iter: 1000);

    [Fact]
    public void Grader_Integers_AreEquivalentExactlyWhenEqual() =>
        Gen.Select(Gen.Int[-1000, 1000], Gen.Int[-1000, 1000]).Sample((a, b) =>
            AnswerGrader.AreEquivalent(a.ToString(System.Globalization.CultureInfo.InvariantCulture), b.ToString(System.Globalization.CultureInfo.InvariantCulture)) == (a == b), iter: 500);

    [Fact]
    public void Grader_FractionAndItsDecimal_AreEquivalent() =>
        Gen.Select(Gen.Int[-40, 40], Pick(1, 2, 4, 5, 8, 10)).Sample((p, q) =>
            AnswerGrader.AreEquivalent($"\\frac{{{p}}}{{{q}}}", ((decimal)p / q).ToString(System.Globalization.CultureInfo.InvariantCulture)), iter: 300);

    private static readonly Gen<(double[] Rewards, int Group)> Groups =
        Gen.Int[2, 8].SelectMany(g => Gen.Int[1, 4].SelectMany(n => Gen.Double[-5, 5].Array[g * n].Select(r => (r, g))));

    [Fact]
    public void GroupAdvantages_SumToZeroInEveryGroup() =>
        Groups.Sample(t =>
        {
            var a = GroupAdvantages.Compute(t.Rewards, t.Group);
            return a.Chunk(t.Group).All(group => Math.Abs(group.Sum()) < 1e-6 * t.Group) && a.All(double.IsFinite);
        }, iter: 500);

    [Fact]
    public void GroupAdvantages_IgnoreAShiftOfAGroupsRewards() =>
        Gen.Select(Groups, Gen.Double[-100, 100]).Sample((t, shift) =>
        {
            var a = GroupAdvantages.Compute(t.Rewards, t.Group);
            var b = GroupAdvantages.Compute(t.Rewards.Select(r => r + shift).ToArray(), t.Group);
            return a.Zip(b).All(p => Math.Abs(p.First - p.Second) < 1e-6);
        }, iter: 500);

    [Fact]
    public void GroupAdvantages_OfEqualRewards_AreZero() =>
        Gen.Select(Gen.Int[2, 8], Gen.Double[-5, 5]).Sample((g, r) =>
            GroupAdvantages.Compute(Enumerable.Repeat(r, g).ToArray(), g).All(x => Math.Abs(x) < 1e-9), iter: 200); // the mean of equal values can be one ulp off
}
