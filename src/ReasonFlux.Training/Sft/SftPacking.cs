namespace ReasonFlux.Training.Sft;

/// <summary>
/// data.packing: several examples per row, so short examples stop paying for padding. Rows hold at most the row
/// length (max_seq_len) tokens; examples are placed first-fit, longest first, and never split. In the row, each
/// example keeps its own position ids and attends only to itself (<see cref="SftMicroBatch"/>), so the loss and
/// gradient equal the unpacked ones.
/// </summary>
public static class SftPacking
{
    /// <summary>Indices into <paramref name="lengths"/>, one array per row; every index exactly once, in packing order.</summary>
    public static IReadOnlyList<int[]> Pack(IReadOnlyList<int> lengths, int rowLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowLength, 1);
        var rows = new List<List<int>>();
        var used = new List<int>();
        foreach (var i in Enumerable.Range(0, lengths.Count).OrderByDescending(i => lengths[i]).ThenBy(i => i))
        {
            int row = used.FindIndex(u => u + lengths[i] <= rowLength);
            if (row < 0)
            {
                rows.Add([]);
                used.Add(0);
                row = rows.Count - 1;
            }
            rows[row].Add(i);
            used[row] += lengths[i];
        }
        return rows.Select(r => r.ToArray()).ToList();
    }
}
