using ReasonFlux.IO;
using ReasonFlux.PrmData.Steps;

namespace ReasonFlux.PrmData.Pipeline;

/// <summary>One pool line: a problem, its thinking trajectory split into steps, the final response and the gold answer.</summary>
public sealed record PrmSource(string Location, string Problem, string[] Steps, string Response, string? Answer)
{
    /// <summary>
    /// Reads a pool line {"problem", "trajectory" (a string, split on the separator) or "steps" (strings),
    /// "response", "answer"}. Problems are reported as file:line InvalidDataExceptions.
    /// </summary>
    public static PrmSource FromJsonl(JsonlRecord record, PrmDataOptions options, bool requireAnswer)
    {
        var keys = options.Input;
        var problem = record.GetString(keys.Problem);
        if (string.IsNullOrWhiteSpace(problem)) throw record.Error($"field \"{keys.Problem}\" is empty");
        bool hasTrajectory = record.Has(keys.Trajectory), hasSteps = record.Has(keys.Steps);
        if (hasTrajectory == hasSteps)
            throw record.Error(hasTrajectory
                ? $"give either \"{keys.Trajectory}\" or \"{keys.Steps}\", not both"
                : $"missing the thinking trajectory: a \"{keys.Trajectory}\" string or a \"{keys.Steps}\" array");
        string[] steps;
        if (hasTrajectory)
            steps = StepSplitter.Split(StepSplitter.StripThinkTags(record.GetString(keys.Trajectory)), options.StepSeparator);
        else
        {
            steps = record.GetStringArray(keys.Steps).Select(s => s.Trim()).ToArray();
            int empty = Array.FindIndex(steps, s => s.Length == 0);
            if (empty >= 0) throw record.Error($"field \"{keys.Steps}\"[{empty}] is empty");
        }
        if (steps.Length == 0) throw record.Error($"the trajectory has no steps after splitting on {Show(options.StepSeparator)}");
        var response = record.GetString(keys.Response);
        if (string.IsNullOrWhiteSpace(response)) throw record.Error($"field \"{keys.Response}\" is empty");
        var answer = record.GetOptionalString(keys.Answer);
        if (requireAnswer && string.IsNullOrWhiteSpace(answer))
            throw record.Error($"field \"{keys.Answer}\" is required for the trajectory reward (or disable trajectory_reward)");
        return new PrmSource(record.Location, problem, steps, response, answer);
    }

    private static string Show(string s) => System.Text.Json.JsonSerializer.Serialize(s);
}
