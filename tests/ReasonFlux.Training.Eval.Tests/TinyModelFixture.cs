using ReasonFlux.Models;
using ReasonFlux.Models.Builtin;

namespace ReasonFlux.Training.Eval.Tests;

/// <summary>builtin:tiny written once into a temporary folder and loaded (float32, CPU).</summary>
public sealed class TinyModelFixture : IDisposable
{
    private readonly TempDir _dir = new();

    public TinyModelFixture()
    {
        Directory = BuiltinModels.Materialize("builtin:tiny", _dir["tiny"], seed: 5);
        Model = LanguageModel.Load(Directory);
    }

    public string Directory { get; }

    public LanguageModel Model { get; }

    public void Dispose()
    {
        Model.Dispose();
        _dir.Dispose();
    }
}
