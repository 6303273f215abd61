using ReasonFlux.Recipes.Schema;

namespace ReasonFlux.Recipes.Options;

/// <summary>Checks that span a training stage's model and optimizer sections.</summary>
public static class PrecisionRules
{
    /// <summary>Master weights exist to be wider than the compute dtype: float32, or the model's own dtype (no copies).</summary>
    public static void Validate(ModelOptions model, OptimizerOptions optimizer, OptionsValidation v) =>
        v.Require(optimizer.MasterDtype == ModelDType.Float32 || optimizer.MasterDtype == model.Dtype, "optimizer.master_dtype",
            $"must be float32 or model.dtype ({Name(model.Dtype)}); master weights narrower than the compute dtype would lose precision");

    private static string Name(ModelDType d) => d switch { ModelDType.BFloat16 => "bfloat16", ModelDType.Float16 => "float16", _ => "float32" };
}
