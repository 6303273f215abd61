using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReasonFlux.Training.Grpo;

/// <summary>
/// A user reward function as an external process, started once and kept alive: one JSON request per line on its
/// stdin, one reward per line on its stdout ("0.5" or {"reward": 0.5}). Every request is time-limited; a process
/// that times out is killed and started again on the next batch, one that died is restarted. Nothing here throws
/// for a misbehaving command: such completions come back as null (scored reward.on_error by the caller).
/// </summary>
public sealed class RewardCommand(string command, TimeSpan timeout, Serilog.ILogger? log = null) : IDisposable
{
    private Process? _process;

    /// <summary>How often the process was (re)started.</summary>
    public int Starts { get; private set; }

    /// <summary>
    /// Rewards for <paramref name="requests"/>, in order; null where the command failed, timed out or answered
    /// garbage. After a time-out the rest of the batch is not sent (null), so one hung command costs at most one
    /// time-out per batch.
    /// </summary>
    public double?[] Score(IReadOnlyList<JsonObject> requests)
    {
        var result = new double?[requests.Count];
        for (int i = 0; i < requests.Count; i++)
        {
            var process = EnsureStarted();
            if (process is null) continue;
            string? line;
            try
            {
                process.StandardInput.WriteLine(requests[i].ToJsonString());
                process.StandardInput.Flush();
                var read = process.StandardOutput.ReadLineAsync();
                if (!read.Wait(timeout))
                {
                    log?.Warning("reward command \"{Command}\" gave no answer within {Seconds} s: restarting it", command, timeout.TotalSeconds);
                    Kill();
                    break;
                }
                line = read.Result;
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or AggregateException or ObjectDisposedException)
            {
                log?.Warning("reward command \"{Command}\" failed: {Message}", command, e.GetBaseException().Message);
                Kill();
                continue;
            }
            if (line is null)
            {
                log?.Warning("reward command \"{Command}\" exited (code {Code})", command, SafeExitCode(process));
                Kill();
                continue;
            }
            result[i] = Parse(line);
            if (result[i] is null) log?.Warning("reward command \"{Command}\" answered {Line}: expected a number or {{\"reward\": number}}", command, Truncate(line));
        }
        return result;
    }

    /// <summary>A finite reward from one output line, or null.</summary>
    public static double? Parse(string line)
    {
        var text = line.Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var plain)) return double.IsFinite(plain) ? plain : null;
        try
        {
            if (JsonNode.Parse(text) is JsonObject o && o["reward"] is JsonValue v && v.TryGetValue<double>(out var r) && double.IsFinite(r)) return r;
        }
        catch (JsonException) { }
        return null;
    }

    private Process? EnsureStarted()
    {
        if (_process is { HasExited: false }) return _process;
        Kill();
        try
        {
            var info = new ProcessStartInfo("/bin/sh")
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(command);
            var process = new Process { StartInfo = info };
            // Drained so a chatty command cannot block on a full stderr pipe.
            process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } text) log?.Debug("reward command: {Line}", Truncate(text)); };
            process.Start();
            process.BeginErrorReadLine();
            Starts++;
            return _process = process;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            log?.Warning("reward command \"{Command}\" could not start: {Message}", command, e.Message);
            return null;
        }
    }

    private void Kill()
    {
        if (_process is null) return;
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(2000);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception) { }
        _process.Dispose();
        _process = null;
    }

    private static string SafeExitCode(Process p)
    {
        try { return p.WaitForExit(1000) ? p.ExitCode.ToString(CultureInfo.InvariantCulture) : "still running"; }
        catch (InvalidOperationException) { return "unknown"; }
    }

    private static string Truncate(string s) => s.Length > 200 ? s[..200] + "…" : s;

    public void Dispose() => Kill();
}
