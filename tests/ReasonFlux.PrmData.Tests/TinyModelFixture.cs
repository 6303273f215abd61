using ReasonFlux.Models;
using ReasonFlux.Models.Builtin;

namespace ReasonFlux.PrmData.Tests;

/// <summary>builtin:tiny written to a temp folder and loaded once for every test that needs a real model.</summary>
public sealed class TinyModelFixture : IDisposable
{
    public TinyModelFixture()
    {
        Directory = BuiltinModels.Materialize("builtin:tiny", System.IO.Directory.CreateTempSubdirectory("prmdata-tiny").FullName, seed: 3);
        Model = LanguageModel.Load(Directory);
    }

    public string Directory { get; }
    public LanguageModel Model { get; }

    public void Dispose()
    {
        Model.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class TinyModelCollection : ICollectionFixture<TinyModelFixture>
{
    public const string Name = "tiny model";
}
