using ReasonFlux.Recipes.Options;
using Serilog;
using Serilog.Events;

namespace ReasonFlux.Runs;

/// <summary>Serilog setup for a run: console (stderr) plus <c>run.log</c> in the run folder.</summary>
public static class RunLogging
{
    private const string Template = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} [{Level:u3}] {Message:lj}{NewLine}{Exception}";

    // The terminal gets no stack traces: a bad data line must read as one error line (the CLI prints it), while
    // run.log keeps the full exception for a bug report.
    private const string ConsoleTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} [{Level:u3}] {Message:lj}{NewLine}";

    /// <summary>
    /// A logger writing to <paramref name="logFile"/> (appending, so a resumed run keeps one log) and to
    /// stderr. While a live progress bar owns the terminal, pass <paramref name="quietConsole"/> so only
    /// warnings and errors reach the console.
    /// </summary>
    public static Serilog.Core.Logger Create(string? logFile, LogLevel level, bool quietConsole)
    {
        var min = level switch
        {
            LogLevel.Debug => LogEventLevel.Debug,
            LogLevel.Warning => LogEventLevel.Warning,
            _ => LogEventLevel.Information,
        };
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(min)
            .WriteTo.Console(outputTemplate: ConsoleTemplate, standardErrorFromLevel: LogEventLevel.Verbose,
                restrictedToMinimumLevel: quietConsole ? LogEventLevel.Warning : min);
        if (logFile is not null)
            config = config.WriteTo.File(logFile, outputTemplate: Template, shared: true, flushToDiskInterval: TimeSpan.FromSeconds(2));
        return config.CreateLogger();
    }
}
