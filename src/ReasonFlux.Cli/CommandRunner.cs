using ReasonFlux.IO;
using ReasonFlux.Runs;

namespace ReasonFlux.Cli;

/// <summary>
/// Runs a command body and turns exceptions into one clear line on stderr plus an exit code, so a bad input
/// file ends with "file:line: what is wrong" rather than a stack trace.
/// </summary>
public static class CommandRunner
{
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (TrainingDivergedException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Diverged;
        }
        catch (Exception e) when (DiskSpace.IsFull(e))
        {
            // The writers that know what they wrote say the path and bytes themselves; a bare ENOSPC names its path.
            // .NET's own ENOSPC message is "No space left on device : 'PATH'".
            Console.Error.WriteLine(e is DiskFullException || e.Message.Contains("space", StringComparison.OrdinalIgnoreCase)
                ? $"error: {e.Message}" : $"error: no space left on device: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (Exception e) when (IsBadInput(e))
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"error: {e.GetType().Name}: {e.Message}");
            if (Environment.GetEnvironmentVariable("REASONFLUX_DEBUG") == "1") Console.Error.WriteLine(e);
            return ExitCodes.Failure;
        }
    }

    private static bool IsBadInput(Exception e) =>
        e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or ArgumentException or FormatException;
}
