using ReasonFlux.Grading.Datasets;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Rewards;
using ReasonFlux.Tasks.Arithmetic;
using ReasonFlux.Training.Eval;

namespace ReasonFlux.Training.Label;

/// <summary>Why a sampled completion gave no PRM example.</summary>
public enum DropReason
{
    /// <summary>No &lt;/think&gt;: the trajectory never ended (usually cut at max_new_tokens), so there is no response to label.</summary>
    NoThinkEnd,
    /// <summary>&lt;/think&gt; with nothing but whitespace before it: no step to label.</summary>
    NoSteps,
    /// <summary>Nothing but whitespace after &lt;/think&gt;: no response segment to carry the trajectory target.</summary>
    NoResponse,
}

/// <summary>What labelling one completion gave: a PRM example, or why there is none.</summary>
public sealed record SampleLabel(LabelledSample? Sample, DropReason? Dropped);

/// <summary>
/// Labels a sampled completion against the problem's chain (Math-Shepherd style, with exact checks instead of
/// rollouts). The completion, as written with its think tags, is split as the PRM scorer splits a sample
/// (<see cref="PrmSample.FromResponse"/>): the text before &lt;/think&gt; into steps on "\n\n", each trimmed, and the
/// trimmed text after it as the response.
/// A think step is right when it is the chain's step at that position (<see cref="StepChecker"/>); the response's
/// target, and the trajectory target, is 1 when every think step is right, there are as many as the chain has, and
/// the response's boxed answer is the chain's answer (the strict-boxed grader of the quickstart's eval stages).
/// </summary>
public static class SampleLabeller
{
    public const string StepSeparator = ArithmeticTrace.StepSeparator;

    private static readonly OutcomeJudge Judge = OutcomeJudge.For(OutcomeGrader.StrictBoxed);

    public static SampleLabel Label(LabelProblem problem, string completion, StepLabels labels)
    {
        var parts = ThinkingResponse.Parse(completion);
        if (parts.Answer is null) return new SampleLabel(null, DropReason.NoThinkEnd);
        var steps = StepSplitter.Split(parts.Trajectory, StepSeparator).Select(s => s.Text).ToList();
        if (steps.Count == 0) return new SampleLabel(null, DropReason.NoSteps);
        var response = parts.Answer.Trim();
        if (response.Length == 0) return new SampleLabel(null, DropReason.NoResponse);

        var right = StepChecker.Label(problem.Chain, steps);
        bool responseCorrect = Judge.Grade(problem.Item, response).Equal;
        bool clean = right.All(r => r) && steps.Count == problem.Chain.Operations.Count && responseCorrect;
        int firstWrong = Array.IndexOf(right, false);
        // PRM800K's convention: nothing after the first wrong step is labelled, so the response and trajectory are not either.
        int labelled = labels == StepLabels.FirstError && firstWrong >= 0 ? firstWrong + 1 : steps.Count + 1;
        var targets = right.Select(r => (int?)(r ? 1 : 0)).Append(clean ? 1 : 0)
            .Select((t, i) => i < labelled ? t : null).ToList();
        int? final = labelled > steps.Count ? (clean ? 1 : 0) : null;
        return new SampleLabel(new LabelledSample([.. steps, response], targets, final, clean, responseCorrect), null);
    }

    /// <summary>Whether a whole completion earns the outcome reward: the eval stage's strict-boxed pass@1 of the sample.</summary>
    public static bool AnswerCorrect(LabelProblem problem, string completion) => Judge.Grade(problem.Item, completion).Equal;
}
