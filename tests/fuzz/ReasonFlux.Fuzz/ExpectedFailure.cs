using System.Reflection;

namespace ReasonFlux.Fuzz;

/// <summary>
/// Which exceptions count as "refused with a clear error": the kinds the CLI turns into exit 2 (bad input), thrown
/// by ReasonFlux code itself. The same kinds thrown from inside the BCL (an int.Parse FormatException, a Substring
/// ArgumentOutOfRangeException, a duplicate-key ArgumentException) name no file or line, so they are bugs.
/// </summary>
public static class ExpectedFailure
{
    public static bool Is(Exception e) =>
        e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or ArgumentException or FormatException
        && ThrownByReasonFlux(e);

    private static bool ThrownByReasonFlux(Exception e)
    {
        MethodBase? site = e.TargetSite;
        string? assembly = site?.DeclaringType?.Assembly.GetName().Name;
        return assembly is not null && assembly.StartsWith("ReasonFlux.", StringComparison.Ordinal) && assembly != "ReasonFlux.Fuzz";
    }

    /// <summary>Runs a harness; an expected refusal returns false, anything else escapes.</summary>
    public static bool Run(Action<byte[]> target, byte[] data)
    {
        try
        {
            target(data);
            return true;
        }
        catch (Exception e) when (Is(e))
        {
            return false;
        }
    }
}
