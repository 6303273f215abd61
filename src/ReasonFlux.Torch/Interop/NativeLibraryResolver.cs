using System.Reflection;
using System.Runtime.InteropServices;

namespace ReasonFlux.Torch.Interop;

/// <summary>
/// Loads the shim from the application folder and, when that fails, says which file was tried and why,
/// instead of the runtime's bare "unable to load" (the silent-failure complaint of TorchSharp#1310/#1545).
/// </summary>
internal static class NativeLibraryResolver
{
    private static int _registered;

    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1) return;
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryResolver).Assembly, Resolve);
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != NativeMethods.Library) return 0;
        var candidates = new[]
        {
            Path.Combine(AppContext.BaseDirectory, "lib" + name + ".so"),
            Path.Combine(Path.GetDirectoryName(assembly.Location) ?? AppContext.BaseDirectory, "lib" + name + ".so"),
        };
        var errors = new List<string>();
        foreach (var path in candidates.Distinct())
        {
            if (!File.Exists(path)) { errors.Add($"{path}: not found"); continue; }
            try { return NativeLibrary.Load(path); }
            catch (DllNotFoundException e) { errors.Add($"{path}: {e.Message}"); }
        }
        throw new DllNotFoundException(
            $"Could not load the libtorch shim lib{name}.so ({string.Join("; ", errors)}). " +
            "Build it with 'dotnet build' (needs cmake, g++ and libtorch-dev, or LIBTORCH pointing at a libtorch).");
    }
}
