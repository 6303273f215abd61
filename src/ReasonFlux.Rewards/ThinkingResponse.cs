namespace ReasonFlux.Rewards;

/// <summary>
/// A response split into its thinking trajectory and its final answer (y = s ⊕ a in the paper's notation).
/// "&lt;think&gt;T&lt;/think&gt;A" gives trajectory T and answer A; a response with only "&lt;/think&gt;" (the opening
/// tag was part of the prompt, as with DeepSeek-R1 distills) gives everything before it as T. A response
/// without "&lt;/think&gt;" has no separate answer: it is all trajectory.
/// </summary>
public sealed record ThinkingResponse(string Trajectory, TextSpan TrajectorySpan, string? Answer, TextSpan? AnswerSpan)
{
    public const string OpenTag = "<think>";
    public const string CloseTag = "</think>";

    /// <summary>
    /// The response text of a (trajectory, answer) pair: "&lt;think&gt;\n{trajectory}\n&lt;/think&gt;\n\n{answer}", the
    /// completion a selection stage writes for SFT and what released-code mode and the scalar head score.
    /// </summary>
    public static string Compose(string trajectory, string answer) => $"{OpenTag}\n{trajectory}\n{CloseTag}\n\n{answer}";

    public static ThinkingResponse Parse(string response)
    {
        ArgumentNullException.ThrowIfNull(response);
        int close = response.IndexOf(CloseTag, StringComparison.Ordinal);
        if (close < 0) return new ThinkingResponse(response, new TextSpan(0, response.Length), null, null);
        int open = response.LastIndexOf(OpenTag, close, StringComparison.Ordinal);
        int trajStart = open < 0 ? 0 : open + OpenTag.Length;
        int answerStart = close + CloseTag.Length;
        var answer = response[answerStart..];
        return new ThinkingResponse(response[trajStart..close], new TextSpan(trajStart, close - trajStart), answer, new TextSpan(answerStart, answer.Length));
    }
}
