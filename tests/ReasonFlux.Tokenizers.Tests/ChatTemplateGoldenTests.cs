using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReasonFlux.Tokenizers.Tests;

/// <summary>Renders every template in tests/data/tokenizers/templates and compares with @huggingface/jinja.</summary>
public sealed class ChatTemplateGoldenTests
{
    [Fact]
    public void Render_GoldenConversations_MatchHuggingFaceJinja()
    {
        var templates = new Dictionary<string, ChatTemplate>();
        var failures = new List<string>();
        var cases = TestData.GoldenCases("chat-templates.json");
        foreach (var c in cases)
        {
            string file = c!["template"]!.GetValue<string>();
            if (!templates.TryGetValue(file, out var template))
            {
                template = ChatTemplate.Parse(File.ReadAllText(Path.Combine(TestData.TemplatesDir, file)), name: file);
                templates[file] = template;
            }
            var variables = new Dictionary<string, object?>
            {
                ["bos_token"] = c["bos_token"]?.DeepClone(),
                ["eos_token"] = c["eos_token"]?.DeepClone(),
            };
            foreach (var (k, v) in c["extra"]!.AsObject()) variables[k] = v?.DeepClone();
            var messages = c["messages"]!.AsArray();
            var tools = c["tools"] as JsonArray;
            string actual = template.RenderJson(messages, c["add_generation_prompt"]!.GetValue<bool>(), variables, tools);
            string expected = c["output"]!.GetValue<string>();
            if (actual != expected)
                failures.Add($"{file} / {c["conversation"]} / agp={c["add_generation_prompt"]} / {c["extra"]!.ToJsonString()}:\n  expected {JsonSerializer.Serialize(expected)}\n  actual   {JsonSerializer.Serialize(actual)}");
        }
        Assert.Equal(6, templates.Count);
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} renderings differ:\n" + string.Join("\n", failures.Take(10)));
    }
}
