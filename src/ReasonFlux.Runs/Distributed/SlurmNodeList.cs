using System.Globalization;

namespace ReasonFlux.Runs.Distributed;

/// <summary>
/// SLURM's compressed host lists (SLURM_JOB_NODELIST): <c>gpu[01-04,07],login1,rack[1-2]-n[3-4]</c>. Ranges keep
/// their zero padding (<c>[08-10]</c> → 08, 09, 10) and several bracket groups in one name expand as a product,
/// in the order <c>scontrol show hostnames</c> prints them.
/// </summary>
public static class SlurmNodeList
{
    /// <summary>Every host, in order.</summary>
    public static IReadOnlyList<string> Expand(string nodeList)
    {
        ArgumentNullException.ThrowIfNull(nodeList);
        var hosts = new List<string>();
        foreach (var item in SplitTopLevel(nodeList.Trim()))
            hosts.AddRange(ExpandName(item, nodeList));
        if (hosts.Count == 0) throw new FormatException($"SLURM node list \"{nodeList}\" names no host");
        return hosts;
    }

    /// <summary>The first host: where rank 0 runs under <c>srun</c> with the default block distribution.</summary>
    public static string First(string nodeList) => Expand(nodeList)[0];

    /// <summary>Splits on commas outside brackets.</summary>
    private static IEnumerable<string> SplitTopLevel(string list)
    {
        int depth = 0, start = 0;
        for (int i = 0; i < list.Length; i++)
        {
            char c = list[i];
            if (c == '[') depth++;
            else if (c == ']' && --depth < 0) throw new FormatException($"SLURM node list \"{list}\": unmatched ']' at {i}");
            else if (c == ',' && depth == 0)
            {
                if (i > start) yield return list[start..i];
                start = i + 1;
            }
        }
        if (depth != 0) throw new FormatException($"SLURM node list \"{list}\": unmatched '['");
        if (start < list.Length) yield return list[start..];
    }

    private static IEnumerable<string> ExpandName(string name, string whole)
    {
        int open = name.IndexOf('[');
        if (open < 0) return [name];
        int close = name.IndexOf(']', open);
        var prefix = name[..open];
        var rest = ExpandName(name[(close + 1)..], whole).ToList();
        var result = new List<string>();
        foreach (var part in name[(open + 1)..close].Split(','))
        {
            if (part.Length == 0) throw new FormatException($"SLURM node list \"{whole}\": empty range in \"{name}\"");
            int dash = part.IndexOf('-');
            var lowText = dash < 0 ? part : part[..dash];
            var highText = dash < 0 ? part : part[(dash + 1)..];
            if (!long.TryParse(lowText, NumberStyles.None, CultureInfo.InvariantCulture, out var low)
                || !long.TryParse(highText, NumberStyles.None, CultureInfo.InvariantCulture, out var high) || high < low)
                throw new FormatException($"SLURM node list \"{whole}\": \"{part}\" is not a number or a range low-high");
            if (high - low > 100_000) throw new FormatException($"SLURM node list \"{whole}\": range \"{part}\" is implausibly large");
            int width = lowText.Length;
            for (long n = low; n <= high; n++)
            {
                var number = n.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0');
                foreach (var tail in rest) result.Add(prefix + number + tail);
            }
        }
        return result;
    }
}
