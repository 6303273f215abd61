using ReasonFlux.Grading;
using ReasonFlux.Recipes.Options;

namespace ReasonFlux.Training.Grpo;

/// <summary>The correct-answer reward, 1 or 0.</summary>
public static class OutcomeReward
{
    public static double Score(OutcomeGrader grader, string response, string gold) => grader switch
    {
        OutcomeGrader.StrictBoxed => StrictBoxed(response, gold),
        _ => AnswerGrader.Grade(gold, response).Score,
    };

    /// <summary>
    /// The rule reward of ReasonFlux-PRM's released GRPO code (verl math_dapo with strict_box_verify): the last
    /// \boxed{…} within the final 100 characters, brace-matched, must equal the gold answer as an exact string.
    /// </summary>
    public static double StrictBoxed(string response, string gold)
    {
        var tail = response.Length > 100 ? response[^100..] : response;
        var start = tail.LastIndexOf("\\boxed{", StringComparison.Ordinal);
        if (start < 0) return 0;
        int depth = 0;
        for (int i = start + "\\boxed".Length; i < tail.Length; i++)
        {
            if (tail[i] == '{') depth++;
            else if (tail[i] == '}' && --depth == 0)
            {
                var content = tail[(start + "\\boxed{".Length)..i];
                return content == gold ? 1 : 0;
            }
        }
        return 0; // unterminated box
    }
}
