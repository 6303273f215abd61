using System.Text.Json.Nodes;
using ReasonFlux.Tokenizers.Templates;

namespace ReasonFlux.Tokenizers.Tests;

public sealed class ChatTemplateTests
{
    private static readonly ChatMessage[] Conversation = [ChatMessage.System("S"), ChatMessage.User("Q"), ChatMessage.Assistant("A")];

    [Fact]
    public void BuiltIn_ChatMl_RendersImMarkers()
    {
        var t = ChatTemplate.BuiltIn("chatml");
        Assert.Equal("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n", t.Render(Conversation));
        Assert.EndsWith("<|im_start|>assistant\n", t.Render([ChatMessage.User("Q")], addGenerationPrompt: true));
    }

    [Fact]
    public void BuiltIn_Plain_JoinsContents()
    {
        Assert.Equal("S\n\nQ\n\nA", ChatTemplate.BuiltIn("plain").Render(Conversation, addGenerationPrompt: true));
        Assert.Throws<ArgumentException>(() => ChatTemplate.BuiltIn("nope"));
    }

    [Fact]
    public void FromTokenizerConfig_StringAndListForms_SelectTemplates()
    {
        string dir = Directory.CreateTempSubdirectory().FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """
                {"eos_token": "<E>", "bos_token": {"content": "<B>"},
                 "chat_template": [{"name": "default", "template": "{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}{{ eos_token }}"},
                                   {"name": "tool_use", "template": "tools={{ tools | length }}"}]}
                """);
            Assert.Equal("<B>QA<E>", ChatTemplate.FromTokenizerConfig(dir).Render([ChatMessage.User("Q"), ChatMessage.Assistant("A")]));
            Assert.Equal("tools=1", ChatTemplate.FromTokenizerConfig(dir, "tool_use").Render([], tools: [new JsonObject { ["name"] = "f" }]));
            var e = Assert.Throws<InvalidDataException>(() => ChatTemplate.FromTokenizerConfig(dir, "missing"));
            Assert.Contains("default, tool_use", e.Message);
            Assert.Equal("<B>Q<E>", ChatTemplate.Load("default", dir).Render([ChatMessage.User("Q")]));

            File.WriteAllText(Path.Combine(dir, "chat_template.jinja"), "jinja file wins\n");
            Assert.Equal("jinja file wins", ChatTemplate.FromTokenizerConfig(dir).Render([]));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Render_Qwen3EnableThinkingFalse_AddsEmptyThinkBlock()
    {
        var t = ChatTemplate.Parse(File.ReadAllText(Path.Combine(TestData.TemplatesDir, "Qwen--Qwen3-8B.jinja")));
        string off = t.Render([ChatMessage.User("hi")], addGenerationPrompt: true, new Dictionary<string, object?> { ["enable_thinking"] = false });
        Assert.Equal("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n", off);
        string on = t.Render([ChatMessage.User("hi")], addGenerationPrompt: true);
        Assert.Equal("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", on);
    }

    [Fact]
    public void Render_RaiseException_ThrowsWithPosition()
    {
        var t = ChatTemplate.Parse("{% if messages[0].role != 'user' %}\n  {{ raise_exception('first message must be user') }}\n{% endif %}");
        var e = Assert.Throws<JinjaException>(() => t.Render([ChatMessage.Assistant("x")]));
        Assert.Contains("first message must be user", e.Message);
        Assert.Equal(2, e.Line);
    }

    [Theory]
    [InlineData("{% macro f() %}{% endmacro %}", "macro", 1, 4)]
    [InlineData("ok\n{{ x | wordwrap }}", "wordwrap", 2, 8)]
    [InlineData("{{ x is prime }}", "prime", 1, 9)]
    [InlineData("{% for x in y %}", "endfor", 1, 17)]
    [InlineData("{{ 'unterminated }}", "unterminated string", 1, 4)]
    [InlineData("{% include 'other.jinja' %}", "include", 1, 4)]
    [InlineData("{{ x ! y }}", "unexpected character '!'", 1, 6)]
    public void Parse_OutsideSubset_FailsNamingConstructAndPosition(string source, string construct, int line, int column)
    {
        var e = Assert.Throws<JinjaException>(() => ChatTemplate.Parse(source));
        Assert.Contains(construct, e.Message);
        Assert.Equal((line, column), (e.Line, e.Column));
    }

    [Fact]
    public void Render_UndefinedUsedAsValue_ThrowsNamingIt()
    {
        var t = ChatTemplate.Parse("{{ messages[0].content.startswith('x') }}");
        var e = Assert.Throws<JinjaException>(() => t.RenderJson(new JsonArray(new JsonObject { ["role"] = "user" })));
        Assert.Contains("has no attribute 'content'", e.Message);
    }

    [Fact]
    public void Render_ExtraVariables_AcceptDotNetValues()
    {
        var t = ChatTemplate.Parse("{{ n + 1 }} {{ flag }} {{ items | join(',') }} {{ d.k }}");
        var vars = new Dictionary<string, object?>
        {
            ["n"] = 41, ["flag"] = true, ["items"] = new[] { "a", "b" }, ["d"] = new Dictionary<string, object?> { ["k"] = "v" },
        };
        Assert.Equal("42 True a,b v", t.Render([], variables: vars));
    }
}

/// <summary>The chat template from the generated Qwen tokenizer_config.json, rendered then encoded.</summary>
public sealed class QwenChatEncodingTests(QwenTokenizerFixture fixture) : IClassFixture<QwenTokenizerFixture>
{
    [Fact]
    public void FromTokenizerConfig_QwenDirectory_RendersAndEncodesWithMarkers()
    {
        var template = ChatTemplate.FromTokenizerConfig(TestData.RequireQwenTokenizerDir());
        Assert.Equal("<|im_end|>", template.EosToken);
        string prompt = template.Render([ChatMessage.User("What's 12345+678?")], addGenerationPrompt: true);
        Assert.StartsWith("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud.", prompt);
        int[] ids = fixture.Tokenizer.Encode(prompt);
        Assert.Equal(151644, ids[0]);
        Assert.Equal([151644, 77091, 198], ids[^3..]); // <|im_start|> assistant \n
        Assert.Equal(3, ids.Count(id => id == 151644));
        Assert.Equal(2, ids.Count(id => id == fixture.Tokenizer.EosTokenId));
        Assert.Equal(prompt, fixture.Tokenizer.Decode(ids));
    }
}
