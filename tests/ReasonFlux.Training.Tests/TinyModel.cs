using ReasonFlux.Models;
using ReasonFlux.Models.Builtin;
using ReasonFlux.Torch;

namespace ReasonFlux.Training.Tests;

/// <summary>builtin:tiny written once per test process into a temporary folder.</summary>
internal static class TinyModel
{
    private static readonly Lazy<string> Folder = new(() =>
        BuiltinModels.Materialize("builtin:tiny", System.IO.Directory.CreateTempSubdirectory("rf-tiny-").FullName, seed: 7));

    public static string Directory => Folder.Value;

    public static LanguageModel Load() => LanguageModel.Load(Directory, ScalarType.Float32, Device.CPU);
}

/// <summary>Tests that count live native tensors must not overlap with others in the same process.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial";
}
