namespace ReasonFlux.Tests.Shared;

/// <summary>Locates the checkout (the folder holding ReasonFlux.Rl.sln) from a test's output folder.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string TestData(params string[] parts) => Path.Combine([Root, "tests", "data", .. parts]);

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "ReasonFlux.Rl.sln"))) return d.FullName;
        throw new InvalidOperationException($"no ReasonFlux.Rl.sln above {AppContext.BaseDirectory}");
    }
}
