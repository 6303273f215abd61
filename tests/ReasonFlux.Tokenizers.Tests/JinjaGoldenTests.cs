using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReasonFlux.Tokenizers.Tests;

/// <summary>
/// Small templates over the supported Jinja subset, against Python jinja2 configured as transformers does
/// (golden/jinja-expressions.json from make-jinja-golden.py). Where jinja2 raises, a JinjaException is expected.
/// </summary>
public sealed class JinjaGoldenTests
{
    [Fact]
    public void Render_ExpressionGoldens_MatchPythonJinja2()
    {
        var failures = new List<string>();
        var cases = TestData.GoldenCases("jinja-expressions.json");
        foreach (var c in cases)
        {
            string source = c!["template"]!.GetValue<string>();
            var variables = c["vars"]!.AsObject().ToDictionary(kv => kv.Key, kv => (object?)kv.Value?.DeepClone());
            string? expected = c["output"]?.GetValue<string>();
            string actual;
            try
            {
                var messages = variables.TryGetValue("messages", out var m) ? (JsonArray)m! : [];
                variables.Remove("messages");
                actual = ChatTemplate.Parse(source).RenderJson(messages, variables: variables);
                // Render always defines messages; golden templates that use it pass it in vars.
            }
            catch (ReasonFlux.Tokenizers.Templates.JinjaException e)
            {
                if (expected is not null) failures.Add($"{source}\n  expected {JsonSerializer.Serialize(expected)}\n  threw    {e.Message}");
                continue;
            }
            if (expected is null) failures.Add($"{source}\n  expected an error ({c["error"]}), got {JsonSerializer.Serialize(actual)}");
            else if (actual != expected) failures.Add($"{source}\n  expected {JsonSerializer.Serialize(expected)}\n  actual   {JsonSerializer.Serialize(actual)}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} differ:\n" + string.Join("\n", failures));
    }
}
