using ReasonFlux.Recipes.Options;

namespace ReasonFlux.Training.Common;

/// <summary>Linear warmup, then constant, linear decay or cosine decay to lr × min_lr_ratio at the last step.</summary>
public static class LearningRateSchedule
{
    /// <param name="step">1-based optimizer step.</param>
    public static double At(OptimizerOptions o, long step, long totalSteps)
    {
        if (o.WarmupSteps > 0 && step <= o.WarmupSteps) return o.Lr * step / o.WarmupSteps;
        if (o.Schedule == LrSchedule.Constant || totalSteps <= o.WarmupSteps) return o.Lr;
        var progress = Math.Clamp((double)(step - o.WarmupSteps) / Math.Max(1, totalSteps - o.WarmupSteps), 0, 1);
        var floor = o.Lr * o.MinLrRatio;
        var shape = o.Schedule == LrSchedule.Linear ? 1 - progress : 0.5 * (1 + Math.Cos(Math.PI * progress));
        return floor + (o.Lr - floor) * shape;
    }
}
