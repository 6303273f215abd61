using ReasonFlux.PrmData.Judging;

namespace ReasonFlux.PrmData.Tests;

/// <summary>A judge double: the reply is a function of the prompt (null: a failed request).</summary>
internal sealed class ScriptedJudge(Func<string, string?> reply) : IJudge
{
    public string Name => "scripted";
    public JudgeStatistics Statistics { get; } = new();

    public Task<IReadOnlyList<JudgeReply>> CompleteAsync(IReadOnlyList<JudgeRequest> requests, CancellationToken cancellationToken = default)
    {
        var r = requests.Select(q => reply(q.Prompt) is { } text ? JudgeReply.Success(text) : JudgeReply.Failure("scripted failure")).ToArray();
        foreach (var x in r) Statistics.Record(x);
        return Task.FromResult<IReadOnlyList<JudgeReply>>(r);
    }
}
