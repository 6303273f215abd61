using ReasonFlux.Models.Builtin;

namespace ReasonFlux.Cli.Tests;

/// <summary>
/// Chat templates come from any downloaded tokenizer_config.json. The hostile ones the issue found (deep nesting, huge
/// loops, huge repetition) must end the command with exit 2 and a message, not a stack overflow, a hang or an
/// unbounded allocation: the child runs under a 1 GiB managed-heap cap, so an allocation past it would be exit 1.
/// </summary>
public class HostileChatTemplateTests
{
    public static TheoryData<string, string, string> Templates() => new()
    {
        { "parentheses", "{{ " + new string('(', 100_000) + "1" + new string(')', 100_000) + " }}", "nesting exceeds" },
        { "nested-ifs", string.Concat(Enumerable.Repeat("{% if true %}", 20_000)) + "x" + string.Concat(Enumerable.Repeat("{% endif %}", 20_000)), "nesting exceeds" },
        { "filter-chain", "{{ 'x'" + string.Concat(Enumerable.Repeat("|trim", 100_000)) + " }}", "nesting exceeds" },
        { "loops", "{% for i in range(1000000) %}{% for j in range(1000000) %}{% endfor %}{% endfor %}", "step budget" },
        { "repetition", "{{ 'a' * 1500000000 }}", "" },
        { "doubling", "{% set ns = namespace(l=[1]) %}{% for i in range(40) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l | length }}", "" },
    };

    [Theory]
    [MemberData(nameof(Templates))]
    public void Tokenize_HostileTemplate_ExitsWithCode2AndAMessage(string name, string template, string expected)
    {
        using var dir = new TempDir();
        BuiltinModels.Materialize("builtin:tiny", dir["model"], seed: 1);
        File.WriteAllText(dir[name + ".jinja"], template);
        File.WriteAllText(dir["in.jsonl"], """{"messages": [{"role": "user", "content": "hi"}]}""" + "\n");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var (code, output) = CliProcess.Run(new Dictionary<string, string?> { ["DOTNET_GCHeapHardLimit"] = "0x40000000" }, TimeSpan.FromMinutes(2),
            "tokenize", "--tokenizer", dir["model"], "--input", dir["in.jsonl"], "--output", dir["out.jsonl"], "--chat", "--chat-template", dir[name + ".jinja"]);
        Assert.True(code == 2, $"{name}: exit {code} after {watch.Elapsed.TotalSeconds:F1} s:\n{output}");
        Assert.Contains("error: ", output);
        Assert.Contains(expected, output);
        Assert.DoesNotContain("   at ", output); // one line, no stack trace
    }
}
