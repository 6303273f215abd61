using System.Text.Json.Nodes;
using ReasonFlux.IO;
using ReasonFlux.Rewards;

namespace ReasonFlux.Training.Select;

/// <summary>Where a selection writes its results.</summary>
/// <param name="Selected">The top-K records, best first (input fields + prm_score + prompt/completion).</param>
/// <param name="Scores">One line per pool record, in pool order: index, line, score, final_score, step_scores, truncated, rank, selected.</param>
/// <param name="Histogram">SVG histogram of the scores with the threshold marked.</param>
public sealed record SelectionOutputs(string Selected, string Scores, string Histogram)
{
    /// <summary>selected.jsonl, scores.jsonl and score_histogram.svg in <paramref name="directory"/>.</summary>
    public static SelectionOutputs InDirectory(string directory) =>
        new(Path.Combine(directory, "selected.jsonl"), Path.Combine(directory, "scores.jsonl"), Path.Combine(directory, "score_histogram.svg"));

    /// <summary>The selected file as given, with NAME.scores.jsonl and NAME.histogram.svg beside it.</summary>
    public static SelectionOutputs Beside(string selectedPath)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(selectedPath))!;
        var stem = Path.GetFileNameWithoutExtension(selectedPath);
        return new(selectedPath, Path.Combine(dir, stem + ".scores.jsonl"), Path.Combine(dir, stem + ".histogram.svg"));
    }
}

/// <summary>What a finished selection found.</summary>
public sealed record SelectionSummary(int PoolSize, int Selected, double Threshold, double MeanScore, double MeanSelectedScore, int Truncated);

/// <summary>
/// Offline data selection (reasonflux-prm.md §4, §9 item 5): score every pool record with the PRM's r̂, keep exactly
/// the top K (equal scores keep pool order) and write them for SFT, with every score and a histogram. The pool is
/// streamed: records are read once to validate, once to score (in chunks) and once to write, so only the scores
/// and the K kept records are ever held in memory.
/// </summary>
public static class PrmDataSelection
{
    public const string ScoreField = "prm_score";

    /// <summary>Validates, scores and writes in one go (the select verb).</summary>
    public static SelectionSummary Run(PrmScorer scorer, string poolPath, int topK, SelectionOutputs outputs, SelectionKeys? keys = null, int chunkSize = 256, Action<int, int>? progress = null)
    {
        keys ??= new SelectionKeys();
        int count = SelectionPool.Validate(poolPath, keys, scorer.Options.StepSeparator);
        CheckTopK(poolPath, count, topK);
        var scores = new List<PoolItemScore>(count);
        ScorePool(scorer, poolPath, keys, scores, chunkSize, done => { progress?.Invoke(done, count); return true; });
        return WriteResults(poolPath, keys, scorer.Options.StepSeparator, scores, topK, outputs);
    }

    public static void CheckTopK(string poolPath, int count, int topK)
    {
        if (count == 0) throw new InvalidDataException($"{poolPath}: the pool is empty");
        if (topK > count) throw new InvalidDataException($"{poolPath}: top_k is {topK} but the pool has only {count} records: lower top_k");
    }

    /// <summary>
    /// Scores the records after the first <c>scores.Count</c> (already scored, e.g. restored from a checkpoint),
    /// appending to <paramref name="scores"/>. After each chunk <paramref name="afterChunk"/> gets the number
    /// scored so far and returns false to stop early (an interrupt).
    /// </summary>
    /// <returns>True when the whole pool is scored.</returns>
    public static bool ScorePool(PrmScorer scorer, string poolPath, SelectionKeys keys, List<PoolItemScore> scores, int chunkSize, Func<int, bool> afterChunk)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        int index = -1;
        var chunk = new List<(int Index, int Line, PrmSample Sample)>(chunkSize);
        bool Flush()
        {
            var result = scorer.Score(chunk.Select(c => c.Sample).ToArray());
            for (int i = 0; i < chunk.Count; i++) scores.Add(PoolItemScore.From(chunk[i].Index, chunk[i].Line, result[i]));
            chunk.Clear();
            return afterChunk(scores.Count);
        }
        foreach (var record in JsonlReader.Read(poolPath))
        {
            if (++index < scores.Count) continue;
            chunk.Add((index, record.LineNumber, SelectionPool.ToItem(record, keys, scorer.Options.StepSeparator).Sample));
            if (chunk.Count == chunkSize && !Flush()) return false;
        }
        if (chunk.Count > 0 && !Flush()) return false;
        return true;
    }

    /// <summary>Writes selected.jsonl (best first), scores.jsonl (pool order) and the histogram.</summary>
    public static SelectionSummary WriteResults(string poolPath, SelectionKeys keys, string stepSeparator, IReadOnlyList<PoolItemScore> scores, int topK, SelectionOutputs outputs)
    {
        CheckTopK(poolPath, scores.Count, topK);
        var values = scores.Select(s => s.Score).ToArray();
        var ranking = TopKSelection.Rank(values);
        var rankOf = new int[values.Length];
        for (int r = 0; r < ranking.Length; r++) rankOf[ranking[r]] = r;
        var kept = ranking[..topK];
        var selected = values.Select((_, i) => rankOf[i] < topK).ToArray();
        double threshold = values[kept[^1]];

        var keptRecords = new Dictionary<int, JsonObject>(topK);
        int index = -1;
        foreach (var record in JsonlReader.Read(poolPath))
        {
            if (++index >= scores.Count)
                throw new InvalidDataException($"{poolPath}: the pool has more records than were scored ({scores.Count}); it changed during the selection");
            if (!selected[index]) continue;
            var item = SelectionPool.ToItem(record, keys, stepSeparator);
            var obj = (JsonObject)record.Value.DeepClone();
            obj[ScoreField] = Math.Round(values[index], 7);
            obj[SelectionPool.PromptField] = item.Question;
            obj[SelectionPool.CompletionField] = item.Completion;
            keptRecords[index] = obj;
        }
        if (index + 1 != scores.Count)
            throw new InvalidDataException($"{poolPath}: the pool has {index + 1} records but {scores.Count} were scored; it changed during the selection");

        using (var writer = new JsonlWriter(outputs.Selected))
        {
            foreach (var i in kept) writer.Write(keptRecords[i]);
            writer.Commit();
        }
        using (var writer = new JsonlWriter(outputs.Scores))
        {
            foreach (var s in scores)
            {
                var obj = s.ToJson();
                obj["rank"] = rankOf[s.Index] + 1;
                obj["selected"] = selected[s.Index];
                writer.Write(obj);
            }
            writer.Commit();
        }
        var svg = ScoreHistogramSvg.Render(values, selected, threshold, $"PRM scores of {values.Length} pool records");
        File.WriteAllText(outputs.Histogram, svg);
        return new SelectionSummary(values.Length, topK, threshold, values.Average(), kept.Average(i => values[i]), scores.Count(s => s.Truncated));
    }
}
