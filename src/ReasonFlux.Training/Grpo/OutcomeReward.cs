using ReasonFlux.Grading;
using ReasonFlux.Grading.Datasets;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Training.Eval;

namespace ReasonFlux.Training.Grpo;

/// <summary>The correct-answer reward, 1 or 0: the same judge that evaluation uses, so training and reported accuracy agree.</summary>
public static class OutcomeReward
{
    /// <summary>
    /// strict-boxed is the rule reward of ReasonFlux-PRM's released GRPO code (last \boxed{} of the final 100
    /// characters, exact string match); math-equivalence is our full grader.
    /// </summary>
    public static double Score(OutcomeGrader grader, string response, string gold) =>
        OutcomeJudge.For(grader).Grade(new BenchmarkItem("train", "", gold, GradingTask.Math), response).Score;
}
