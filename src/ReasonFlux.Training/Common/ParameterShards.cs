namespace ReasonFlux.Training.Common;

/// <summary>
/// ZeRO-1's division of the optimizer state: which rank owns (steps, and holds the moments of) each parameter.
/// Whole parameters in contiguous runs of parameter order, cut so each rank holds about 1/world of the elements:
/// a parameter goes to the rank whose share of the flattened parameter list holds its middle element.
/// </summary>
public static class ParameterShards
{
    /// <summary>The owner rank of each parameter, given each parameter's element count; non-decreasing in parameter order.</summary>
    public static int[] Owners(IReadOnlyList<long> sizes, int world)
    {
        if (world < 1) throw new ArgumentOutOfRangeException(nameof(world), world, "must be >= 1");
        long total = sizes.Sum();
        var owners = new int[sizes.Count];
        long before = 0;
        for (int i = 0; i < sizes.Count; i++)
        {
            // Twice the middle element's position, against twice each rank's boundary: exact in integers.
            long middle2 = 2 * before + sizes[i];
            owners[i] = total == 0 ? 0 : (int)Math.Min(world - 1, middle2 * world / (2 * total));
            before += sizes[i];
        }
        return owners;
    }
}
