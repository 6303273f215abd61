namespace ReasonFlux.Recipes.Schema;

/// <summary>One problem found in a recipe: where it is, which key, and what is wrong.</summary>
public sealed record RecipeError(SourceLocation Location, string KeyPath, string Message)
{
    /// <summary>"file:line:column: key.path: message".</summary>
    public override string ToString() =>
        KeyPath.Length > 0 ? $"{Location}: {KeyPath}: {Message}" : $"{Location}: {Message}";
}

/// <summary>
/// A recipe that failed validation. Carries every error found (not just the first), so one run of
/// <c>reasonflux train --dry-run</c> shows all of them. Derives from <see cref="FormatException"/>
/// (InvalidDataException is sealed), which the CLI maps to exit code 2 like other bad input.
/// </summary>
public sealed class RecipeException : FormatException
{
    public RecipeException(IReadOnlyList<RecipeError> errors)
        : base(Format(errors))
    {
        Errors = errors;
    }

    /// <summary>All errors, in file order.</summary>
    public IReadOnlyList<RecipeError> Errors { get; }

    private static string Format(IReadOnlyList<RecipeError> errors) =>
        errors.Count == 1
            ? errors[0].ToString()
            : $"{errors.Count} errors in recipe:\n  " + string.Join("\n  ", errors.Select(e => e.ToString()));
}
