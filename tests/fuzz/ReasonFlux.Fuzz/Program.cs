using ReasonFlux.Fuzz;
using SharpFuzz;

// libFuzzer mode (started by tests/fuzz/driver through run.sh): the target name comes from RF_FUZZ_TARGET.
// Otherwise: `ReasonFlux.Fuzz list`, `ReasonFlux.Fuzz seeds DIR`, or `ReasonFlux.Fuzz TARGET FILE...` to replay inputs.
if (Environment.GetEnvironmentVariable("__LIBFUZZER_SHM_ID") is not null)
{
    string name = Environment.GetEnvironmentVariable("RF_FUZZ_TARGET") ?? "";
    if (!FuzzTargets.All.TryGetValue(name, out var target))
    {
        Console.Error.WriteLine($"RF_FUZZ_TARGET=\"{name}\" is not a harness; harnesses: {string.Join(", ", FuzzTargets.All.Keys)}");
        return 2;
    }
    Fuzzer.LibFuzzer.Run(span => ExpectedFailure.Run(target, span.ToArray()));
    return 0;
}

if (args.Length == 1 && args[0] == "list")
{
    foreach (var name in FuzzTargets.All.Keys) Console.WriteLine(name);
    return 0;
}
if (args.Length == 2 && args[0] == "seeds")
{
    SeedFiles.Write(args[1]);
    return 0;
}
if (args.Length >= 2 && FuzzTargets.All.TryGetValue(args[0], out var replay))
{
    foreach (var file in args.Skip(1))
    {
        bool accepted = ExpectedFailure.Run(replay, File.ReadAllBytes(file));
        Console.WriteLine($"{file}: {(accepted ? "accepted" : "refused")}");
    }
    return 0;
}
Console.Error.WriteLine("usage: ReasonFlux.Fuzz list | seeds DIR | TARGET FILE...");
return 2;
