namespace ReasonFlux.Fuzz;

/// <summary>
/// A per-process scratch folder (under /dev/shm when it exists, so file-based parsers are fuzzed without disk I/O);
/// each harness call overwrites the same few files.
/// </summary>
internal static class Scratch
{
    private static readonly Lazy<string> Root = new(() =>
    {
        string parent = System.IO.Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        string root = Path.Combine(parent, $"reasonflux-fuzz-{Environment.ProcessId}");
        System.IO.Directory.CreateDirectory(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { System.IO.Directory.Delete(root, recursive: true); } catch (IOException) { }
        };
        return root;
    });

    public static string Write(string name, byte[] data)
    {
        string path = Path.Combine(Root.Value, name);
        File.WriteAllBytes(path, data);
        return path;
    }

    /// <summary>An empty folder of that name.</summary>
    public static string Directory(string name)
    {
        string path = Path.Combine(Root.Value, name);
        if (System.IO.Directory.Exists(path)) System.IO.Directory.Delete(path, recursive: true);
        System.IO.Directory.CreateDirectory(path);
        return path;
    }
}
