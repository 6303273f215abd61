namespace ReasonFlux.Tokenizers.Templates;

/// <summary>
/// A chat template that cannot be parsed or rendered: a construct outside the supported Jinja subset, a type
/// error, an undefined value used as a value, or the template's own raise_exception. The message names the
/// construct and its line and column in the template. A <see cref="FormatException"/> (InvalidDataException is
/// sealed), which the CLI reports as bad input.
/// </summary>
public sealed class JinjaException : FormatException
{
    /// <summary>Creates the error for a position in the template (1-based).</summary>
    public JinjaException(string message, int line, int column)
        : base($"chat template line {line}, column {column}: {message}")
    {
        Line = line;
        Column = column;
        Reason = message;
    }

    /// <summary>1-based line in the template.</summary>
    public int Line { get; }

    /// <summary>1-based column in the template.</summary>
    public int Column { get; }

    /// <summary>The message without the position.</summary>
    public string Reason { get; }
}

/// <summary>An error raised where the position is not known yet; the interpreter attaches it.</summary>
internal sealed class JinjaRuntimeError(string message) : Exception(message);
