namespace ReasonFlux.Rewards;

/// <summary>
/// One item to score: the problem, the trajectory steps, the final answer (when the response separates it)
/// and the whole response text. How each scoring mode uses the parts:
/// <list type="bullet">
/// <item>paper mode: the assistant turn is steps ⊕ [answer] joined and ended by the separator token; step scores
/// are read at the steps' separators, the final score (by default) at the last separator, i.e. after the answer;</item>
/// <item>released-code mode: <see cref="Text"/> verbatim as one step (the released code never splits);</item>
/// <item>scalar head: problem + <see cref="Text"/>, no template, no separators.</item>
/// </list>
/// </summary>
public sealed record PrmSample
{
    /// <summary>The problem (the PRM's user turn).</summary>
    public required string Problem { get; init; }

    /// <summary>Trajectory steps, never empty (an empty trajectory becomes one step: the answer, or "").</summary>
    public required IReadOnlyList<string> Steps { get; init; }

    /// <summary>The final answer after &lt;/think&gt;, scored as one extra segment after the steps; null when the response has none.</summary>
    public string? Answer { get; init; }

    /// <summary>The whole response (what released-code mode and the scalar head read).</summary>
    public required string Text { get; init; }

    /// <summary>Where each step lies in <see cref="Text"/>; null for samples given as a list of steps.</summary>
    public IReadOnlyList<TextSpan>? StepSpans { get; init; }

    /// <summary>Where the answer lies in <see cref="Text"/>.</summary>
    public TextSpan? AnswerSpan { get; init; }

    /// <summary>
    /// A (problem, response) pair: a "&lt;think&gt;…&lt;/think&gt;" part is the trajectory (split on
    /// <paramref name="stepSeparator"/>) and what follows is the answer; otherwise the whole response is split into steps.
    /// </summary>
    public static PrmSample FromResponse(string problem, string response, string stepSeparator = "\n\n")
    {
        ArgumentNullException.ThrowIfNull(problem);
        var parts = ThinkingResponse.Parse(response);
        var steps = StepSplitter.Split(parts.Trajectory, stepSeparator);
        string? answer = parts.Answer?.Trim();
        TextSpan? answerSpan = null;
        if (parts.AnswerSpan is { } raw && !string.IsNullOrEmpty(answer))
        {
            int lead = parts.Answer!.Length - parts.Answer.TrimStart().Length;
            answerSpan = new TextSpan(raw.Start + lead, answer.Length);
        }
        else answer = null;

        if (steps.Count == 0)
        {
            // Nothing to split: the answer (or the empty response) is the single step, so every sample has one.
            return new PrmSample
            {
                Problem = problem,
                Steps = [answer ?? ""],
                Text = response,
                StepSpans = [answerSpan ?? new TextSpan(0, 0)],
            };
        }
        return new PrmSample
        {
            Problem = problem,
            Steps = steps.Select(s => s.Text).ToArray(),
            Answer = answer,
            Text = response,
            StepSpans = steps.Select(s => s.Span.Shift(parts.TrajectorySpan.Start)).ToArray(),
            AnswerSpan = answerSpan,
        };
    }

    /// <summary>
    /// Steps given as a list (e.g. a {"problem", "steps"} record); empty entries are dropped. <see cref="Text"/> is
    /// the steps joined with <paramref name="stepSeparator"/>.
    /// </summary>
    public static PrmSample FromSteps(string problem, IReadOnlyList<string> steps, string? answer = null, string stepSeparator = "\n\n")
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(steps);
        var kept = steps.Where(s => !string.IsNullOrWhiteSpace(s)).ToArray();
        answer = string.IsNullOrWhiteSpace(answer) ? null : answer;
        var text = string.Join(stepSeparator, kept);
        if (answer is not null) text = ThinkingResponse.Compose(text, answer);
        if (kept.Length == 0) return new PrmSample { Problem = problem, Steps = [answer ?? ""], Text = text };
        return new PrmSample { Problem = problem, Steps = kept, Answer = answer, Text = text };
    }

    /// <summary>The segments of the paper-mode assistant turn: the steps, then the answer when there is one.</summary>
    public IEnumerable<string> Segments => Answer is null ? Steps : Steps.Append(Answer);
}
