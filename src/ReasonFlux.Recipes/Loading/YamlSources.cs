using System.Runtime.CompilerServices;
using ReasonFlux.Recipes.Schema;
using YamlDotNet.RepresentationModel;

namespace ReasonFlux.Recipes.Loading;

/// <summary>
/// Maps YAML nodes to where they were written: the recipe file (with YamlDotNet's 1-based line and column)
/// or the <c>--set</c> argument that injected them.
/// </summary>
internal sealed class YamlSources(string file)
{
    private readonly ConditionalWeakTable<YamlNode, string> _overrides = new();

    public string File { get; } = file;

    /// <summary>Marks a node (and its children) as coming from a command-line override.</summary>
    public void MarkOverride(YamlNode node, string source)
    {
        _overrides.AddOrUpdate(node, source);
        foreach (var child in node.AllNodes)
            if (!ReferenceEquals(child, node)) _overrides.AddOrUpdate(child, source);
    }

    public SourceLocation Of(YamlNode node) =>
        _overrides.TryGetValue(node, out var source)
            ? new SourceLocation(source, 0, 0)
            : new SourceLocation(File, (int)node.Start.Line, (int)node.Start.Column);
}
