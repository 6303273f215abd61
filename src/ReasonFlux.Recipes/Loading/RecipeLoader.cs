using ReasonFlux.Recipes.Schema;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ReasonFlux.Recipes.Loading;

/// <summary>
/// Loads a recipe: parse YAML (keeping line:column marks), apply <c>--set</c> overrides, bind to typed
/// option records and validate, all before any work starts. Every problem found is reported at once in a
/// <see cref="RecipeException"/>. File existence is a separate step: <see cref="RecipeFileCheck"/>.
/// </summary>
public static class RecipeLoader
{
    /// <summary>Loads and validates the recipe at <paramref name="path"/>, applying <c>KEY=VALUE</c> overrides in order.</summary>
    public static Recipe Load(string path, IReadOnlyList<string>? overrides = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: recipe file not found", path);
        return Parse(File.ReadAllText(path), path, overrides);
    }

    /// <summary>Validates recipe text; <paramref name="sourceName"/> is used in messages and as the default run name.</summary>
    public static Recipe Parse(string yaml, string sourceName, IReadOnlyList<string>? overrides = null)
    {
        var sources = new YamlSources(sourceName);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            // YamlDotNet wraps the real cause (duplicate key, bad indentation) in a generic outer message.
            var inner = e.InnerException as YamlException ?? e;
            throw new RecipeException([new RecipeError(new SourceLocation(sourceName, (int)inner.Start.Line, (int)inner.Start.Column), "", "malformed YAML: " + Clean(inner.Message))]);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet throws these instead of a YamlException on some malformed input: a NUL in a flow mapping,
            // an event it does not expect after a broken key (found by tests/fuzz).
            throw new RecipeException([new RecipeError(new SourceLocation(sourceName, 1, 1), "", $"malformed YAML: the YAML parser gave up ({e.Message})")]);
        }
        if (stream.Documents.Count == 0)
            throw new RecipeException([new RecipeError(new SourceLocation(sourceName, 1, 1), "", "the recipe is empty")]);
        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode;
            throw new RecipeException([new RecipeError(sources.Of(second), "", "a recipe file holds one YAML document; found a second one (remove the '---')")]);
        }

        var root = stream.Documents[0].RootNode;
        var errors = new List<RecipeError>();
        if (overrides is { Count: > 0 } && root is YamlMappingNode map)
            RecipeOverrides.Apply(map, overrides, sources, errors);

        var binder = new RecipeBinder(sources);
        var recipe = binder.Bind(root, Path.GetFileNameWithoutExtension(sourceName));
        errors.AddRange(binder.Errors);
        if (errors.Count > 0)
            throw new RecipeException(errors.OrderBy(e => e.Location.Line == 0 ? 0 : 1).ThenBy(e => e.Location.Line).ThenBy(e => e.Location.Column).ToList());
        return recipe;
    }

    private static string Clean(string message)
    {
        // "(Line: 3, Col: 5, Idx: 20) - (Line: ...): While scanning..." → keep the human part.
        int i = message.LastIndexOf("): ", StringComparison.Ordinal);
        return i >= 0 ? message[(i + 3)..] : message;
    }
}
