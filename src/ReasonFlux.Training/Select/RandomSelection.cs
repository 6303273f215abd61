using System.Text.Json.Nodes;
using ReasonFlux.IO;

namespace ReasonFlux.Training.Select;

/// <summary>
/// The baseline of a PRM selection: a seeded uniform sample of K pool records (without replacement), written like
/// <see cref="PrmDataSelection.WriteResults"/> writes the top K (input fields + prompt/completion for SFT, no
/// prm_score), in pool order.
/// </summary>
public static class RandomSelection
{
    public static int Write(string poolPath, SelectionKeys keys, string stepSeparator, int count, int topK, long seed, string selectedPath)
    {
        PrmDataSelection.CheckTopK(poolPath, count, topK);
        var order = Enumerable.Range(0, count).ToArray();
        new Random(unchecked((int)seed ^ (int)(seed >> 32))).Shuffle(order);
        var chosen = order[..topK].ToHashSet();
        int index = -1;
        using var writer = new JsonlWriter(selectedPath);
        foreach (var record in JsonlReader.Read(poolPath))
        {
            if (!chosen.Contains(++index)) continue;
            var item = SelectionPool.ToItem(record, keys, stepSeparator);
            var obj = (JsonObject)record.Value.DeepClone();
            obj[SelectionPool.PromptField] = item.Question;
            obj[SelectionPool.CompletionField] = item.Completion;
            writer.Write(obj);
        }
        writer.Commit();
        return writer.Count;
    }
}
