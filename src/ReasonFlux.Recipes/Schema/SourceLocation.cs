namespace ReasonFlux.Recipes.Schema;

/// <summary>
/// Where a recipe value came from: a file position (1-based line and column) or a command-line override,
/// so every error can point at the exact text to fix.
/// </summary>
public readonly record struct SourceLocation(string Source, int Line, int Column)
{
    /// <summary>"file:line:column", or just the source (e.g. "--set a.b=1") when it has no position.</summary>
    public override string ToString() => Line > 0 ? $"{Source}:{Line}:{Column}" : Source;
}
