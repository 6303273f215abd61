using ReasonFlux.Grading;
using ReasonFlux.Grading.Datasets;
using ReasonFlux.Tokenizers;

namespace ReasonFlux.Training.Eval;

/// <summary>Turns a benchmark item into the chat the model answers: optional system turn, one user turn, generation prompt.</summary>
public static class EvalPrompts
{
    /// <summary>The system prompt of the Qwen2.5-Math / DeepSeek-R1 evaluations, asking for a boxed final answer.</summary>
    public const string DefaultMathSystemPrompt = "Please reason step by step, and put your final answer within \\boxed{}.";

    /// <summary>
    /// The system prompt used when none is configured: <see cref="DefaultMathSystemPrompt"/> for math, none for
    /// multiple choice (the GPQA user turn already carries simple-evals' "Answer: $LETTER" instruction, which a
    /// boxed-answer system prompt would contradict).
    /// </summary>
    public static string? DefaultSystemPrompt(GradingTask task) => task == GradingTask.Choice ? null : DefaultMathSystemPrompt;

    /// <summary>The user turn: the problem for math, simple-evals' instruction plus the lettered choices for multiple choice.</summary>
    public static string UserMessage(BenchmarkItem item) => item.Task == GradingTask.Choice ? GpqaDiamond.FormatPrompt(item) : item.Problem;

    /// <summary>
    /// The messages for <paramref name="item"/>. <paramref name="systemPrompt"/> null uses <see cref="DefaultSystemPrompt"/>;
    /// an empty string means no system turn.
    /// </summary>
    public static IReadOnlyList<ChatMessage> Messages(BenchmarkItem item, string? systemPrompt)
    {
        var system = systemPrompt ?? DefaultSystemPrompt(item.Task);
        var user = ChatMessage.User(UserMessage(item));
        return string.IsNullOrEmpty(system) ? [user] : [ChatMessage.System(system), user];
    }

    /// <summary>The prompt text the model continues: the chat rendered with the assistant-turn opener.</summary>
    public static string Render(ChatTemplate template, BenchmarkItem item, string? systemPrompt) =>
        template.Render(Messages(item, systemPrompt), addGenerationPrompt: true);
}
