using System.Text.Json.Nodes;

namespace ReasonFlux.Training.Common;

/// <summary>
/// Walks a dataset epoch by epoch, in an order shuffled from (seed, epoch). Its whole state is two numbers, saved
/// in trainer state, so a resumed run continues with exactly the examples an uninterrupted run would have seen.
/// </summary>
public sealed class DataCursor(int count, long seed, bool shuffle)
{
    private int[] _order = [];
    private long _orderEpoch = -1;

    public long Epoch { get; private set; }
    public int Position { get; private set; }

    /// <summary>Next example index.</summary>
    public int Next()
    {
        if (count == 0) throw new InvalidOperationException("the dataset is empty");
        if (Position >= count)
        {
            Epoch++;
            Position = 0;
        }
        if (_orderEpoch != Epoch) BuildOrder();
        return _order[Position++];
    }

    public int[] Take(int n)
    {
        var result = new int[n];
        for (int i = 0; i < n; i++) result[i] = Next();
        return result;
    }

    private void BuildOrder()
    {
        _order = Enumerable.Range(0, count).ToArray();
        // System.Random with a seed is stable across processes (HashCode is not); mix seed and epoch by hand.
        if (shuffle) new Random(unchecked((int)(seed * 1_000_003 + Epoch * 7_919))).Shuffle(_order);
        _orderEpoch = Epoch;
    }

    public JsonObject Save() => new() { ["epoch"] = Epoch, ["position"] = Position };

    public void Restore(JsonObject state)
    {
        Epoch = (long)state["epoch"]!;
        Position = (int)state["position"]!;
        _orderEpoch = -1;
    }
}
