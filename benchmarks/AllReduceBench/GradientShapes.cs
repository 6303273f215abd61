using ReasonFlux.Models.Builtin;

namespace AllReduceBench;

/// <summary>The parameter shapes of a built-in Qwen2 (what data-parallel training all-reduces every step).</summary>
internal static class GradientShapes
{
    public static List<long[]> Of(string model)
    {
        var c = BuiltinModels.Config(model);
        long h = c.HiddenSize, kv = c.NumKeyValueHeads * c.HeadDim, q = c.NumAttentionHeads * c.HeadDim, i = c.IntermediateSize;
        var shapes = new List<long[]> { new[] { (long)c.VocabSize, h } };
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            shapes.AddRange([[q, h], [q], [kv, h], [kv], [kv, h], [kv], [h, q], [i, h], [i, h], [h, i], [h], [h]]);
        }
        shapes.Add([h]);
        if (!c.TieWordEmbeddings) shapes.Add([c.VocabSize, h]);
        return shapes;
    }
}
