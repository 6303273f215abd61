using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReasonFlux.Tokenizers.Normalization;

// Does the BCL's string.Normalize (ICU) compute the same NFC as our tables (NfcNormalizer), and which of the two
// matches HF tokenizers (what the goldens are)? Three sources on Unicode's NormalizationTest.txt and on the goldens.
// Usage: dotnet run -c Release --project benchmarks/NfcIcuCompare -- --test NormalizationTest.txt
//   (Debian: apt-get install unicode-data; bzcat /usr/share/unicode/NormalizationTest.txt.bz2 > NormalizationTest.txt)
string repo = BenchHost.RepoRoot();
string testPath = Arg("--test") ?? "/tmp/NormalizationTest.txt";
string tokenizerJson = Path.Combine(repo, "tests/data/tokenizers/qwen/tokenizer.json");
string resultsDir = Path.Combine(repo, "benchmarks/NfcIcuCompare/results");
if (!File.Exists(testPath))
{
    Console.Error.WriteLine($"{testPath}: not found (apt-get install unicode-data; bzcat /usr/share/unicode/NormalizationTest.txt.bz2 > {testPath})");
    return 2;
}

"x\u0301".Normalize(NormalizationForm.FormC); // loads ICU
string icuVersion = IcuVersion();
int icuThrows = 0;
// string.Normalize throws ArgumentException for some valid text (noncharacters such as U+FFFE, U+FFFF, and
// lone surrogates); count those instead of stopping, and compare them as a distinct result.
string IcuNfc(string s)
{
    try
    {
        return s.Normalize(NormalizationForm.FormC);
    }
    catch (ArgumentException)
    {
        icuThrows++;
        return "\uFFFF(string.Normalize threw)";
    }
}
string unicodeTestVersion = File.ReadLines(testPath).First(l => l.StartsWith("# NormalizationTest-", StringComparison.Ordinal))["# NormalizationTest-".Length..].Replace(".txt", "");
Console.WriteLine($"NormalizationTest {unicodeTestVersion}; ICU {icuVersion}; our tables Unicode {NfcNormalizer.UnicodeVersion}");

// ---- NormalizationTest.txt: the NFC invariants c2 == NFC(c1) == NFC(c2) == NFC(c3), c4 == NFC(c4) == NFC(c5).
var lines = new List<(string[] Columns, int Line)>();
var listed = new HashSet<int>();
int lineNo = 0;
bool part1 = false;
foreach (var raw in File.ReadLines(testPath))
{
    lineNo++;
    if (raw.StartsWith("@Part", StringComparison.Ordinal)) { part1 = raw.StartsWith("@Part1", StringComparison.Ordinal); continue; }
    int hash = raw.IndexOf('#');
    string line = (hash >= 0 ? raw[..hash] : raw).Trim();
    if (line.Length == 0) continue;
    var cols = line.Split(';').Take(5).Select(c => string.Concat(c.Trim().Split(' ').Select(h => char.ConvertFromUtf32(int.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture))))).ToArray();
    lines.Add((cols, lineNo));
    if (part1) listed.Add(char.ConvertToUtf32(cols[0], 0));
}

// HF's NFC of every column (one node call for all of them).
var columnStrings = lines.SelectMany(l => l.Columns).ToList();
var hfOut = RunHfNfc(repo, tokenizerJson, columnStrings);
var hf = new Dictionary<string, string>(StringComparer.Ordinal);
if (hfOut is not null) for (int i = 0; i < columnStrings.Count; i++) hf[columnStrings[i]] = hfOut[i];

var sources = new (string Name, Func<string, string> Nfc)[]
{
    ("ours", NfcNormalizer.Normalize),
    ("icu", IcuNfc),
};
var result = new JsonObject
{
    ["date_utc"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
    ["normalization_test_version"] = unicodeTestVersion,
    ["icu_version"] = icuVersion,
    ["our_tables_unicode_version"] = NfcNormalizer.UnicodeVersion,
    ["normalization_test_lines"] = lines.Count,
};
var md = new StringBuilder();
md.AppendLine("# NFC: our tables vs the BCL's string.Normalize (ICU) vs HF tokenizers");
md.AppendLine();
md.AppendLine($"NormalizationTest.txt {unicodeTestVersion} (Debian unicode-data), ICU {icuVersion} (libicu72), our tables Unicode {NfcNormalizer.UnicodeVersion}, HF tokenizers via @anush008/tokenizers 0.6.0 (NFC read back as decode(encode(s)) through the Qwen tokenizer). {result["date_utc"]}.");
md.AppendLine();
md.AppendLine("| source | NormalizationTest lines failing the NFC invariants | part-2 code points not left alone | lines where it differs from HF |");
md.AppendLine("|---|---:|---:|---:|");

var allSources = sources.ToList();
if (hfOut is not null) allSources.Add(("hf", s => hf.TryGetValue(s, out var v) ? v : throw new KeyNotFoundException(s)));
var differingCodePoints = new Dictionary<string, SortedSet<string>>();
foreach (var (name, nfc) in allSources)
{
    int failing = 0, differsFromHf = 0;
    var examples = new SortedSet<string>(StringComparer.Ordinal);
    foreach (var (c, line) in lines)
    {
        bool ok = nfc(c[0]) == c[1] && nfc(c[1]) == c[1] && nfc(c[2]) == c[1] && nfc(c[3]) == c[3] && nfc(c[4]) == c[3];
        if (!ok) { failing++; if (examples.Count < 40) examples.Add(Hex(c[0])); }
        if (hfOut is not null && name != "hf" && c.Any(s => nfc(s) != hf[s])) differsFromHf++;
    }
    int part2Changed = 0;
    int throwsBefore = icuThrows;
    var throwing = new List<string>();
    if (name != "hf")
    {
        for (int cp = 0; cp < 0x110000; cp++)
        {
            if (cp is >= 0xD800 and < 0xE000 || listed.Contains(cp)) continue;
            string s = char.ConvertFromUtf32(cp);
            int before = icuThrows;
            if (nfc(s) != s) part2Changed++;
            if (icuThrows > before && throwing.Count < 20) throwing.Add(cp.ToString("X4", CultureInfo.InvariantCulture));
        }
    }
    differingCodePoints[name] = examples;
    result[name] = new JsonObject
    {
        ["failing_lines"] = failing,
        ["part2_changed"] = name == "hf" ? null : part2Changed,
        ["lines_differing_from_hf"] = hfOut is null || name == "hf" ? null : differsFromHf,
        ["failing_examples"] = new JsonArray(examples.Select(e => (JsonNode)e).ToArray()),
        ["string_normalize_threw"] = name == "icu" ? icuThrows - throwsBefore : null,
        ["threw_on_code_points"] = name == "icu" ? new JsonArray(throwing.Select(e => (JsonNode)e).ToArray()) : null,
    };
    if (name == "icu" && icuThrows > throwsBefore)
        md.AppendLine($"| (icu: string.Normalize threw ArgumentException {icuThrows - throwsBefore} times, on code points {string.Join(", ", throwing)}) | | | |");
    md.AppendLine($"| {name} | {failing} of {lines.Count} | {(name == "hf" ? "n/a" : part2Changed.ToString(CultureInfo.InvariantCulture))} | {(hfOut is null || name == "hf" ? "n/a" : differsFromHf.ToString(CultureInfo.InvariantCulture))} |");
}
md.AppendLine();
foreach (var (name, ex) in differingCodePoints.Where(kv => kv.Value.Count > 0))
    md.AppendLine($"First failing c1 of {name}: {string.Join(", ", ex.Take(20))}");

// ---- Goldens: nfc.json (Python unicodedata), and every golden tokenizer text (ours vs ICU).
md.AppendLine();
md.AppendLine("| golden set | strings | ours ≠ golden | ICU ≠ golden | ours ≠ ICU |");
md.AppendLine("|---|---:|---:|---:|---:|");
var goldens = new JsonObject();
{
    var cases = Golden(repo, "nfc.json");
    int oursBad = cases.Count(c => NfcNormalizer.Normalize(c.Text) != c.Nfc!);
    int icuBad = cases.Count(c => IcuNfc(c.Text) != c.Nfc!);
    int diff = cases.Count(c => NfcNormalizer.Normalize(c.Text) != IcuNfc(c.Text));
    goldens["nfc.json"] = new JsonObject { ["strings"] = cases.Count, ["ours_wrong"] = oursBad, ["icu_wrong"] = icuBad, ["ours_vs_icu"] = diff };
    md.AppendLine($"| nfc.json (Python unicodedata, Unicode 9.0 code points) | {cases.Count} | {oursBad} | {icuBad} | {diff} |");
}
{
    var cases = Golden(repo, "hf-nfc.json");
    int oursBad = cases.Count(c => NfcNormalizer.Normalize(c.Text) != c.Nfc!);
    int icuBad = cases.Count(c => IcuNfc(c.Text) != c.Nfc!);
    int diff = cases.Count(c => NfcNormalizer.Normalize(c.Text) != IcuNfc(c.Text));
    goldens["hf-nfc.json"] = new JsonObject { ["strings"] = cases.Count, ["ours_wrong"] = oursBad, ["icu_wrong"] = icuBad, ["ours_vs_icu"] = diff };
    md.AppendLine($"| hf-nfc.json (HF's NFC on NormalizationTest strings) | {cases.Count} | {oursBad} | {icuBad} | {diff} |");
}
foreach (var file in new[] { "qwen-encode.json", "qwen-nonbmp.json" })
{
    // The HF ids are the golden; their decode is HF's NFC of the text (added tokens round-trip unchanged).
    var cases = Golden(repo, file);
    int oursBad = cases.Count(c => NfcNormalizer.Normalize(c.Text) != c.Decoded);
    int icuBad = cases.Count(c => IcuNfc(c.Text) != c.Decoded);
    int diff = cases.Count(c => NfcNormalizer.Normalize(c.Text) != IcuNfc(c.Text));
    goldens[file] = new JsonObject { ["strings"] = cases.Count, ["ours_wrong"] = oursBad, ["icu_wrong"] = icuBad, ["ours_vs_icu"] = diff };
    md.AppendLine($"| {file} (HF decode of HF ids) | {cases.Count} | {oursBad} | {icuBad} | {diff} |");
}
result["goldens"] = goldens;

// Text HF tokenizes without complaint but string.Normalize rejects.
var rejected = new JsonObject();
foreach (var (label, probe) in new[] { ("U+FFFE", "a\uFFFEb"), ("U+FFFF", "a\uFFFFb"), ("lone high surrogate", "a\uD800b"), ("lone low surrogate", "a\uDC00b") })
{
    int before = icuThrows;
    IcuNfc(probe);
    rejected[label] = icuThrows > before;
}
result["string_normalize_throws_on"] = rejected;
md.AppendLine();
md.AppendLine("string.Normalize throws ArgumentException on: " + string.Join(", ", rejected.Where(kv => kv.Value!.GetValue<bool>()).Select(kv => kv.Key)) + " (our NFC passes them through, as HF does).");

// ---- Speed on the golden tokenizer texts and the NFC golden (one core, best of 5; noisy shared machine).
var texts = Golden(repo, "qwen-encode.json").Concat(Golden(repo, "qwen-nonbmp.json")).Concat(Golden(repo, "nfc.json")).Select(c => c.Text).ToArray();
double mb = texts.Sum(t => Encoding.UTF8.GetByteCount(t)) / 1e6;
double oursMbps = mb / Best(() => { foreach (var t in texts) NfcNormalizer.Normalize(t); });
double icuMbps = mb / Best(() => { foreach (var t in texts) IcuNfc(t); });
result["speed_mb_per_s"] = new JsonObject { ["ours"] = Math.Round(oursMbps, 2), ["icu"] = Math.Round(icuMbps, 2), ["mb"] = Math.Round(mb, 3) };
md.AppendLine();
md.AppendLine($"Speed over those strings ({mb:F3} MB, best of 5, one thread, load average {BenchHost.LoadAverage()}): ours {oursMbps:F1} MB/s, ICU {icuMbps:F1} MB/s.");

Directory.CreateDirectory(resultsDir);
File.WriteAllText(Path.Combine(resultsDir, "nfc-icu.json"), result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
File.WriteAllText(Path.Combine(resultsDir, "nfc-icu.md"), md.ToString());
Console.Write(md.ToString());
return 0;

string? Arg(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static double Best(Action action)
{
    action();
    double best = double.MaxValue;
    for (int i = 0; i < 5; i++)
    {
        var sw = Stopwatch.StartNew();
        action();
        best = Math.Min(best, sw.Elapsed.TotalSeconds);
    }
    return best;
}

static string Hex(string s) => string.Join(" ", EnumerateRunes(s).Select(r => r.Value.ToString("X4", CultureInfo.InvariantCulture)));

static IEnumerable<Rune> EnumerateRunes(string s)
{
    foreach (var r in s.EnumerateRunes()) yield return r;
}

static List<(string Text, string? Nfc, string? Decoded)> Golden(string repo, string file)
{
    var root = JsonNode.Parse(File.ReadAllText(Path.Combine(repo, "tests/data/tokenizers/golden", file)))!;
    return root["cases"]!.AsArray().Select(c => (c!["text"]!.GetValue<string>(), c["nfc"]?.GetValue<string>(), c["decoded"]?.GetValue<string>())).ToList();
}

static string IcuVersion()
{
    // .NET loads libicuuc.so.NN; the version is in the file name of the loaded library.
    foreach (var line in File.Exists("/proc/self/maps") ? File.ReadLines("/proc/self/maps") : [])
    {
        int i = line.IndexOf("libicuuc.so.", StringComparison.Ordinal);
        if (i >= 0) return line[(i + "libicuuc.so.".Length)..].Trim();
    }
    return "(not loaded: running with InvariantGlobalization?)";
}



static List<string>? RunHfNfc(string repo, string tokenizerJson, List<string> strings)
{
    if (!File.Exists(tokenizerJson) || !Directory.Exists(Path.Combine(repo, "tests/data/tokenizers/node_modules/@anush008"))) return null;
    string input = Path.Combine(Path.GetTempPath(), $"nfc-icu-{Environment.ProcessId}.json");
    File.WriteAllText(input, JsonSerializer.Serialize(strings));
    try
    {
        var psi = new ProcessStartInfo("node", [Path.Combine(repo, "benchmarks/NfcIcuCompare/hf-nfc.mjs"), tokenizerJson, input])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi)!;
        var stdoutTask = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            Console.Error.WriteLine($"HF NFC failed ({process.ExitCode}): {stderr}");
            return null;
        }
        return JsonSerializer.Deserialize<List<string>>(stdoutTask.Result);
    }
    catch (System.ComponentModel.Win32Exception e)
    {
        Console.Error.WriteLine($"HF NFC skipped: {e.Message}");
        return null;
    }
    finally
    {
        File.Delete(input);
    }
}
