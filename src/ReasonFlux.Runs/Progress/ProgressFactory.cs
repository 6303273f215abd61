using ReasonFlux.Recipes.Options;
using Serilog;
using Spectre.Console;

namespace ReasonFlux.Runs;

/// <summary>Chooses the progress display: a live bar only when stdout is an interactive terminal.</summary>
public static class ProgressFactory
{
    /// <summary>
    /// True when stdout is a terminal a human watches: not redirected, not CI, TERM not "dumb", and
    /// Spectre.Console detects an interactive console.
    /// </summary>
    public static bool IsInteractiveTerminal() =>
        !Console.IsOutputRedirected
        && Environment.GetEnvironmentVariable("CI") is null
        && Environment.GetEnvironmentVariable("TERM") != "dumb"
        && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Whether <paramref name="mode"/> resolves to the live bar on this terminal.</summary>
    public static bool UsesBar(ProgressMode mode, bool interactive) => mode switch
    {
        ProgressMode.Bar => true,
        ProgressMode.Plain => false,
        _ => interactive,
    };

    public static ITrainingProgress Create(ProgressMode mode, ILogger log, int logEvery, bool? interactive = null) =>
        UsesBar(mode, interactive ?? IsInteractiveTerminal()) ? new LiveProgress() : new LogProgress(log, logEvery);
}
