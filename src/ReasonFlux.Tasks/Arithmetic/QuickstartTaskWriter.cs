using System.Text.Json.Nodes;
using ReasonFlux.IO;

namespace ReasonFlux.Tasks.Arithmetic;

/// <summary>What <see cref="QuickstartTaskWriter.Write"/> wrote.</summary>
public sealed record QuickstartTaskSummary(string Directory, IReadOnlyDictionary<string, int> Lines, IReadOnlyDictionary<TraceQuality, int> PoolQualities);

/// <summary>
/// Writes the quickstart task (multi-step addition/subtraction chains) into a folder, all splits drawn from one seeded
/// generator so no problem is in two files:
/// <list type="bullet">
/// <item>eval.jsonl — held-out {id, problem, answer}</item>
/// <item>sft.jsonl — {prompt, completion} clean worked solutions</item>
/// <item>grpo.jsonl — {id, problem, answer} GRPO prompts</item>
/// <item>pool.jsonl — {id, question, trajectory, response, quality} of mixed quality, for PRM selection</item>
/// <item>prm.jsonl — {question, steps, step_targets, final_target, quality}: per problem one correct, one flawed and one
/// wrong trace; steps are the trajectory steps then the boxed response, labelled by <see cref="StepChecker"/>; the
/// response's label and final_target are 1 only for a trace whose every step and answer are right</item>
/// <item>prm_problems.jsonl — {id, problem, answer} for on-policy PRM data (a label stage samples the policy on them),
/// only when <see cref="QuickstartTaskSizes.PrmPolicy"/> is above 0</item>
/// <item>data.json — the seed, shape, sizes and counts</item>
/// </list>
/// The PRM's steps end with the response because the scorer reads the last separator, the one after the answer, as
/// the trajectory score; training reads the same position.
/// </summary>
public static class QuickstartTaskWriter
{
    public const string EvalFile = "eval.jsonl", SftFile = "sft.jsonl", GrpoFile = "grpo.jsonl", PoolFile = "pool.jsonl",
        PrmFile = "prm.jsonl", PrmProblemsFile = "prm_problems.jsonl", ManifestFile = "data.json";

    public static QuickstartTaskSummary Write(string directory, long seed, ArithmeticTaskShape shape, QuickstartTaskSizes sizes)
    {
        sizes.Validate();
        var problems = new ArithmeticProblemGenerator(shape, seed);
        var traces = new TraceWriter(new Random(unchecked((int)seed * 7919 + 17)), shape.MinValue, shape.MaxValue);
        Directory.CreateDirectory(directory);
        var lines = new Dictionary<string, int>();

        var eval = problems.Take(sizes.Eval);
        lines[EvalFile] = WriteAll(directory, EvalFile, eval.Select((p, i) => Reference(p, $"eval-{i}")));
        var sft = problems.Take(sizes.Sft);
        lines[SftFile] = WriteAll(directory, SftFile, sft.Select(p => (JsonNode)new JsonObject
        {
            ["prompt"] = p.Text,
            ["completion"] = traces.Correct(p).Completion,
        }));
        var grpo = problems.Take(sizes.Grpo);
        lines[GrpoFile] = WriteAll(directory, GrpoFile, grpo.Select((p, i) => Reference(p, $"grpo-{i}")));

        var poolQualities = PoolQualities(sizes, new Random(unchecked((int)seed * 31 + 5)));
        var pool = problems.Take(sizes.Pool).Select((p, i) => traces.Write(p, poolQualities[i])).ToList();
        lines[PoolFile] = WriteAll(directory, PoolFile, pool.Select((t, i) => (JsonNode)new JsonObject
        {
            ["id"] = $"pool-{i}",
            ["question"] = t.Problem.Text,
            ["trajectory"] = t.Trajectory,
            ["response"] = t.Response,
            ["answer"] = t.Problem.Answer.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["quality"] = QualityName(t.Quality),
        }));

        var prm = problems.Take(sizes.Prm).SelectMany(p => Enum.GetValues<TraceQuality>().Select(q => traces.Write(p, q))).ToList();
        lines[PrmFile] = WriteAll(directory, PrmFile, prm.Select(PrmRecord));

        // Drawn after every other split, so adding them leaves the other files as they were for this seed.
        if (sizes.PrmPolicy > 0)
        {
            var prmPolicy = problems.Take(sizes.PrmPolicy);
            lines[PrmProblemsFile] = WriteAll(directory, PrmProblemsFile, prmPolicy.Select((p, i) => Reference(p, $"prm-policy-{i}")));
        }

        var counts = Enum.GetValues<TraceQuality>().ToDictionary(q => q, q => pool.Count(t => t.Quality == q));
        var manifest = new JsonObject
        {
            ["task"] = "quickstart",
            ["seed"] = seed,
            ["shape"] = new JsonObject
            {
                ["min_operations"] = shape.MinOperations, ["max_operations"] = shape.MaxOperations,
                ["min_operand"] = shape.MinOperand, ["max_operand"] = shape.MaxOperand, ["min_value"] = shape.MinValue,
                ["max_value"] = shape.MaxValue, ["carries"] = shape.Carries,
            },
            ["lines"] = new JsonObject(lines.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["pool_qualities"] = new JsonObject(counts.Select(kv => KeyValuePair.Create(QualityName(kv.Key), (JsonNode?)kv.Value))),
        };
        File.WriteAllText(Path.Combine(directory, ManifestFile), manifest.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
        return new QuickstartTaskSummary(directory, lines, counts);
    }

    /// <summary>"correct", "flawed" or "wrong": the pool's quality field.</summary>
    public static string QualityName(TraceQuality quality) => quality switch
    {
        TraceQuality.Correct => "correct",
        TraceQuality.FlawedRightAnswer => "flawed",
        TraceQuality.Wrong => "wrong",
        _ => throw new ArgumentOutOfRangeException(nameof(quality)),
    };

    private static JsonNode Reference(ArithmeticProblem p, string id) => new JsonObject
    {
        ["id"] = id,
        ["problem"] = p.Text,
        ["answer"] = p.Answer.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static JsonNode PrmRecord(ArithmeticTrace t)
    {
        var labels = StepChecker.Label(t.Problem, t.StepTexts);
        bool clean = t.AnswerCorrect && labels.All(l => l);
        var steps = new JsonArray(t.StepTexts.Append(t.Response).Select(s => (JsonNode?)s).ToArray());
        var targets = new JsonArray(labels.Select(l => (JsonNode?)(l ? 1 : 0)).Append(clean ? 1 : 0).ToArray());
        return new JsonObject
        {
            ["question"] = t.Problem.Text,
            ["steps"] = steps,
            ["step_targets"] = targets,
            ["final_target"] = clean ? 1 : 0,
            ["quality"] = QualityName(t.Quality),
        };
    }

    /// <summary>Exact counts of each quality for the pool (not a coin per record), in a seeded random order.</summary>
    private static TraceQuality[] PoolQualities(QuickstartTaskSizes sizes, Random random)
    {
        int correct = (int)Math.Round(sizes.Pool * sizes.PoolCorrectFraction);
        int flawed = (sizes.Pool - correct) / 2;
        var qualities = Enumerable.Repeat(TraceQuality.Correct, correct)
            .Concat(Enumerable.Repeat(TraceQuality.FlawedRightAnswer, flawed))
            .Concat(Enumerable.Repeat(TraceQuality.Wrong, sizes.Pool - correct - flawed)).ToArray();
        random.Shuffle(qualities);
        return qualities;
    }

    private static int WriteAll(string directory, string file, IEnumerable<JsonNode> records)
    {
        using var writer = new JsonlWriter(Path.Combine(directory, file));
        foreach (var r in records) writer.Write(r);
        writer.Commit();
        return writer.Count;
    }
}
