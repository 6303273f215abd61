using ReasonFlux.Tokenizers.Templates;

namespace ReasonFlux.Tokenizers.Tests;

/// <summary>
/// Hostile chat templates (they come from any downloaded tokenizer_config.json): each must end in a
/// JinjaException naming the limit, never a StackOverflow (uncatchable), a hang or an unbounded allocation.
/// </summary>
public sealed class JinjaLimitsTests
{
    private static JinjaException RenderFails(string source) =>
        Assert.Throws<JinjaException>(() => ChatTemplate.Parse(source).Render([ChatMessage.User("hi")]));

    [Fact]
    public void Parse_HundredThousandNestedParentheses_RefusedAsTooDeep()
    {
        string source = "{{ " + new string('(', 100_000) + "1" + new string(')', 100_000) + " }}";
        var e = Assert.Throws<JinjaException>(() => ChatTemplate.Parse(source));
        Assert.Contains("nesting exceeds", e.Message);
    }

    [Fact]
    public void Parse_TwentyThousandNestedIfs_RefusedAsTooDeep()
    {
        string source = string.Concat(Enumerable.Repeat("{% if true %}", 20_000)) + "x" + string.Concat(Enumerable.Repeat("{% endif %}", 20_000));
        var e = Assert.Throws<JinjaException>(() => ChatTemplate.Parse(source));
        Assert.Contains("nesting exceeds", e.Message);
    }

    [Fact]
    public void Parse_DeepUnaryAndNotChains_RefusedAsTooDeep()
    {
        Assert.Contains("nesting exceeds", Assert.Throws<JinjaException>(() => ChatTemplate.Parse("{{ " + new string('-', 100_000) + "1 }}")).Message);
        Assert.Contains("nesting exceeds", Assert.Throws<JinjaException>(() => ChatTemplate.Parse("{{ " + string.Concat(Enumerable.Repeat("not ", 100_000)) + "1 }}")).Message);
    }

    [Fact]
    public void Render_HundredThousandFilterChain_RefusedAsTooDeep()
    {
        // Chains parse in a loop but evaluate recursively (the AST is left-nested).
        var e = RenderFails("{{ 'x'" + string.Concat(Enumerable.Repeat("|trim", 100_000)) + " }}");
        Assert.Contains("nesting exceeds", e.Message);
    }

    [Fact]
    public void Render_ModerateNesting_StillWorks()
    {
        string source = "{{ " + new string('(', 50) + "1" + new string(')', 50) + " }}" + string.Concat(Enumerable.Repeat("{% if true %}", 50)) + "x" + string.Concat(Enumerable.Repeat("{% endif %}", 50));
        Assert.Equal("1x", ChatTemplate.Parse(source).Render([]));
        Assert.Equal("x", ChatTemplate.Parse("{{ 'x'" + string.Concat(Enumerable.Repeat("|trim", 300)) + " }}").Render([]));
    }

    [Fact]
    public void Render_NestedMillionLoopsWithoutOutput_StopsAtStepBudget()
    {
        var e = RenderFails("{% for i in range(1000000) %}{% for j in range(1000000) %}{% endfor %}{% endfor %}");
        Assert.Contains("step budget", e.Message);
        Assert.Equal(1, e.Line);
    }

    [Fact]
    public void Render_HugeStringRepetition_RefusedBeforeAllocating()
    {
        var e = RenderFails("{{ 'a' * 1500000000 }}");
        Assert.Contains("string repetition", e.Message);
        Assert.Contains("1500000000 characters", e.Message);
    }

    [Fact]
    public void Render_ListDoubledFortyTimes_RefusedAtValueLimit()
    {
        var e = RenderFails("{% set ns = namespace(l=[1]) %}{% for i in range(40) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l|length }}");
        Assert.Contains("list concatenation", e.Message);
        var rep = RenderFails("{{ ([1] * 1000000) * 1000000 }}");
        Assert.Contains("list repetition", rep.Message);
    }

    [Fact]
    public void Render_StringDoubledInLoop_RefusedAtValueLimit()
    {
        var e = RenderFails("{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}");
        Assert.Contains("concatenation", e.Message);
    }

    [Fact]
    public void Render_ReplaceAmplification_Refused()
    {
        var e = RenderFails("{% set big = 'b' * 10000 %}{{ ('a' * 10000)|replace('a', big) }}");
        Assert.Contains("str.replace", e.Message);
    }

    [Fact]
    public void Render_RepeatedScanOfBigString_StopsAtMemoryBudget()
    {
        // 10^4 loop steps, but each scans a 10^6-character string: 10^10 characters of work.
        var e = RenderFails("{% set s = 'a' * 1000000 %}{% for i in range(10000) %}{{ s|length }}{% endfor %}");
        Assert.Contains("memory budget", e.Message);
    }

    [Fact]
    public void Render_ValueNestedTenThousandDeep_RefusedNotStackOverflow()
    {
        var e = RenderFails("{% set ns = namespace(l=[]) %}{% for i in range(10000) %}{% set ns.l = [ns.l] %}{% endfor %}{{ ns.l }}");
        Assert.Contains("nested too deeply", e.Message);
        var json = RenderFails("{% set ns = namespace(l=[]) %}{% for i in range(10000) %}{% set ns.l = [ns.l] %}{% endfor %}{{ ns.l|tojson }}");
        Assert.Contains("nested too deeply", json.Message);
    }

    [Fact]
    public void Render_HugeIndents_Refused()
    {
        Assert.Contains("indent", RenderFails("{{ 'a\\nb'|indent(2000000000) }}").Message);
        Assert.Contains("tojson", RenderFails("{{ [[1,2],[3]]|tojson(indent=2000000000) }}").Message);
    }

    [Fact]
    public void Render_PowerWithHugeExponent_IsFast()
    {
        Assert.Equal("1 -1 0", ChatTemplate.Parse("{{ 1 ** 1000000000000000000 }} {{ (-1) ** 999999999999999999 }} {{ 0 ** 1000000000000000000 }}").Render([]));
        Assert.Contains("overflow", RenderFails("{{ 3 ** 1000000000000000000 }}").Message);
    }
}
