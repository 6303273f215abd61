using System.Text;

namespace ReasonFlux.Grading.Datasets;

/// <summary>
/// GPQA-Diamond from the user's own copy of the official CSV (columns "Question", "Correct Answer",
/// "Incorrect Answer 1..3", optional "Record ID" and "High-level domain"); the data is never shipped (its authors
/// ask that it not be published in plain text). Choices are shuffled deterministically per question: the seed is the
/// 64-bit FNV-1a hash of "Record ID" (or the question text when there is none), the repeat index and a user seed,
/// fed to SplitMix64, then a Fisher-Yates shuffle of [correct, incorrect 1, 2, 3]. So every run, machine
/// and thread sees the same order, the gold letter is spread over A-D, and repeats differ.
/// </summary>
public static class GpqaDiamond
{
    /// <summary>simple-evals' instruction (QUERY_TEMPLATE_MULTICHOICE) placed before the question.</summary>
    public const string Instruction =
        "Answer the following multiple choice question. The last line of your response should be of the following format: " +
        "'Answer: $LETTER' (without quotes) where LETTER is one of ABCD. Think step by step before answering.";

    private static readonly string[] RequiredColumns = ["Question", "Correct Answer", "Incorrect Answer 1", "Incorrect Answer 2", "Incorrect Answer 3"];

    /// <summary>The column whose value becomes <see cref="BenchmarkItem.Domain"/> (Physics, Chemistry, Biology).</summary>
    public const string DomainColumn = "High-level domain";

    /// <summary>
    /// Loads every row, shuffling choices with repeat index <paramref name="repeat"/> (use 0..K-1 for K repeats) and
    /// <paramref name="seed"/> (another seed gives every question another order; 0 is the default order).
    /// </summary>
    public static IReadOnlyList<BenchmarkItem> LoadCsv(string path, int repeat = 0, long seed = 0)
    {
        if (repeat < 0) throw new ArgumentOutOfRangeException(nameof(repeat), repeat, "repeat index must be >= 0");
        var rows = CsvReader.Read(path).GetEnumerator();
        if (!rows.MoveNext()) throw new InvalidDataException($"{path}: empty file, expected a header row");
        var header = rows.Current.Fields.Select(h => h.Trim()).ToList();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < header.Count; i++) index.TryAdd(header[i], i);
        var missing = RequiredColumns.Where(c => !index.ContainsKey(c)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{path}:1: missing column(s) {string.Join(", ", missing.Select(m => $"\"{m}\""))}; found {string.Join(", ", header.Select(h => $"\"{h}\""))}");
        index.TryGetValue("Record ID", out int recordIdColumn);
        bool hasRecordId = index.ContainsKey("Record ID");
        bool hasDomain = index.TryGetValue(DomainColumn, out int domainColumn);

        var items = new List<BenchmarkItem>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        while (rows.MoveNext())
        {
            var (line, fields) = rows.Current;
            if (fields.Count != header.Count)
                throw new InvalidDataException($"{path}:{line}: {fields.Count} fields, header has {header.Count}");
            string Get(string column)
            {
                var value = Clean(fields[index[column]]);
                if (value.Length == 0) throw new InvalidDataException($"{path}:{line}: empty \"{column}\"");
                return value;
            }
            var question = Get("Question");
            var correct = Get("Correct Answer");
            string[] choices = [correct, Get("Incorrect Answer 1"), Get("Incorrect Answer 2"), Get("Incorrect Answer 3")];
            var recordId = hasRecordId ? Clean(fields[recordIdColumn]) : "";
            var key = recordId.Length > 0 ? recordId : question;
            var order = Permutation(key, repeat, seed);
            var shuffled = order.Select(i => choices[i]).ToArray();
            char gold = (char)('A' + Array.IndexOf(order, 0));
            var id = recordId.Length > 0 ? recordId : $"L{line}";
            if (!ids.Add(id)) throw new InvalidDataException($"{path}:{line}: duplicate \"Record ID\" {id}");
            var domain = hasDomain ? Clean(fields[domainColumn]) : "";
            items.Add(new BenchmarkItem(id, FormatQuestion(question, shuffled), gold.ToString(), GradingTask.Choice, domain.Length > 0 ? domain : null));
        }
        if (items.Count == 0) throw new InvalidDataException($"{path}: no rows after the header");
        return items;
    }

    /// <summary>"{question}\n\nA) ...\nB) ...\nC) ...\nD) ..." (simple-evals layout).</summary>
    public static string FormatQuestion(string question, IReadOnlyList<string> choices)
    {
        var sb = new StringBuilder(question.Trim()).Append("\n\n");
        for (int i = 0; i < choices.Count; i++)
        {
            if (i > 0) sb.Append('\n');
            sb.Append((char)('A' + i)).Append(") ").Append(choices[i]);
        }
        return sb.ToString();
    }

    /// <summary>The full simple-evals prompt for an item: instruction, blank line, question with choices.</summary>
    public static string FormatPrompt(BenchmarkItem item) => Instruction + "\n\n" + item.Problem;

    /// <summary>The order of [correct, inc1, inc2, inc3] for a question key, repeat and seed: position → original index.</summary>
    public static int[] Permutation(string key, int repeat, long seed = 0)
    {
        ulong hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(key)) hash = (hash ^ b) * 1099511628211UL;
        hash = (hash ^ (ulong)repeat) * 1099511628211UL;
        // Seed 0 leaves the hash as it was, so the default order never changes.
        if (seed != 0) hash = (hash ^ (ulong)seed) * 1099511628211UL;
        ulong state = hash;
        int[] order = [0, 1, 2, 3];
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = (int)(SplitMix64(ref state) % (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Trim and collapse runs of spaces (lm-eval's preprocessing, minus its "[title]" rewrite).</summary>
    private static string Clean(string text)
    {
        var t = text.Trim();
        while (t.Contains("  ", StringComparison.Ordinal)) t = t.Replace("  ", " ", StringComparison.Ordinal);
        return t;
    }
}
