using System.Globalization;
using System.Text;

namespace ReasonFlux.Training.Eval;

/// <summary>
/// The end-of-evaluation table, one row per benchmark: problems, samples, pass@1, pass@K, maj@K and, with a PRM,
/// Best-of-N and PRM-weighted maj@N (K and N the largest of each run), and pass@1 per domain where the benchmark has
/// domains. Markdown, so it reads the same on a terminal and in a file.
/// </summary>
public static class EvalSummaryTable
{
    public static string Format(IReadOnlyList<EvalResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder("| benchmark | problems | samples | pass@1 | pass@k | maj@k | Best-of-N | PRM-weighted maj@N |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var r in results)
        {
            int k = r.PassAtK.Keys.Max();
            string bon = "–", weighted = "–";
            if (r.BestOfN is { Count: > 0 } b)
            {
                int n = b.Keys.Max();
                bon = $"{EvalReport.Percent(b[n])} (N={n})";
                weighted = r.WeightedMajority is { } w && w.TryGetValue(n, out var wv) ? $"{EvalReport.Percent(wv)} (N={n})" : "–";
            }
            sb.Append(c, $"| {r.Benchmark} | {r.Problems.Count} | {r.SamplesPerProblem} | {EvalReport.Percent(r.PassAt1)} | {EvalReport.Percent(r.PassAtK[k])} (k={k}) | {EvalReport.Percent(r.MajorityAtK[k])} (k={k}) | {bon} | {weighted} |\n");
            foreach (var d in r.Domains)
                sb.Append(c, $"| {r.Benchmark} / {d.Domain} | {d.Problems} | {r.SamplesPerProblem} | {EvalReport.Percent(d.PassAt1)} | | | | |\n");
        }
        return sb.ToString();
    }
}
