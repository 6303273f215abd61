using ReasonFlux.Rollout;

namespace ReasonFlux.Training.Eval.Tests;

/// <summary>
/// Returns known completions: <c>script(problemIndex, sampleIndex)</c> gives the text; a text containing
/// "[cut]" is reported as truncated. Records every call so tests can check the prompts and the batching.
/// </summary>
internal sealed class ScriptedGenerator(Func<int, int, string> script) : ICompletionGenerator
{
    public List<(IReadOnlyList<string> Prompts, SamplingParams Sampling, int Samples)> Calls { get; } = [];

    /// <summary>Token count reported per completion: its length in characters.</summary>
    public IReadOnlyList<GeneratedCompletion> Generate(IReadOnlyList<string> prompts, SamplingParams sampling, int samplesPerPrompt,
        Action<GeneratedCompletion>? onFinished = null, CancellationToken cancellationToken = default)
    {
        Calls.Add((prompts, sampling, samplesPerPrompt));
        var result = new List<GeneratedCompletion>();
        for (int p = 0; p < prompts.Count; p++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int s = 0; s < samplesPerPrompt; s++)
            {
                var text = script(p, s);
                var c = new GeneratedCompletion(p, s, text, text.Length, text.Contains("[cut]") ? FinishReason.Length : FinishReason.Stop);
                result.Add(c);
                onFinished?.Invoke(c);
            }
        }
        return result;
    }
}

/// <summary>Scores from a table: scores[problem][sample]; records what it was asked.</summary>
internal sealed class TableScorer(double[][] scores, int samplesPerProblem) : ICompletionScorer
{
    public List<(string Problem, string Response)> Seen { get; } = [];

    public double[] Score(IReadOnlyList<(string Problem, string Response)> items)
    {
        Seen.AddRange(items);
        return Enumerable.Range(0, items.Count).Select(i => scores[i / samplesPerProblem][i % samplesPerProblem]).ToArray();
    }

    public override string ToString() => "table";
}
