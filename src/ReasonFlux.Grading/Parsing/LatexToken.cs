namespace ReasonFlux.Grading.Parsing;

internal enum TokenKind
{
    End,
    /// <summary>Digits with an optional fraction; thousands separators already removed.</summary>
    Number,
    /// <summary>One ASCII letter.</summary>
    Letter,
    /// <summary>A run of letters that is a known word (sqrt, pi, sin, ...) or an unknown word (text).</summary>
    Word,
    /// <summary>A backslash command, name without the backslash.</summary>
    Command,
    /// <summary>\text{...}-like command: Text is the raw group content, Extra the command name.</summary>
    TextGroup,
    /// <summary>\begin{env}: Text is env.</summary>
    Begin,
    /// <summary>\end{env}: Text is env.</summary>
    EndEnv,
    /// <summary>Punctuation and operators: + - * / ^ _ ( ) [ ] { } , = &lt; &gt; ! | ' &amp; ; : and "\\" (row break),
    /// "\{" "\}" (set braces), "\|" (norm).</summary>
    Symbol,
}

internal readonly record struct LatexToken(TokenKind Kind, string Text, bool SpaceBefore, string? Extra = null)
{
    public bool Is(string symbol) => Kind == TokenKind.Symbol && Text == symbol;
    public bool IsCommand(string name) => Kind == TokenKind.Command && Text == name;
}
