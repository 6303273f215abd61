namespace ReasonFlux.Tokenizers;

/// <summary>One chat turn as chat templates see it: {"role": ..., "content": ...}.</summary>
/// <param name="Role">"system", "user", "assistant" or "tool".</param>
/// <param name="Content">The text of the turn (assistant turns may carry &lt;think&gt;…&lt;/think&gt;).</param>
public sealed record ChatMessage(string Role, string Content)
{
    /// <summary>A system turn.</summary>
    public static ChatMessage System(string content) => new("system", content);

    /// <summary>A user turn.</summary>
    public static ChatMessage User(string content) => new("user", content);

    /// <summary>An assistant turn.</summary>
    public static ChatMessage Assistant(string content) => new("assistant", content);
}
