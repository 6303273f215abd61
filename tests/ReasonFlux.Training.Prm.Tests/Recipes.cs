using ReasonFlux.Recipes;
using ReasonFlux.Recipes.Loading;
using ReasonFlux.Runs;
using ReasonFlux.Training.Prm;
using ReasonFlux.Training.Select;

namespace ReasonFlux.Training.Prm.Tests;

/// <summary>Runs one-stage recipes through the real <see cref="RecipeRunner"/>.</summary>
internal static class Recipes
{
    public static Recipe Parse(TempDir dir, string yaml, params string[] overrides) => RecipeLoader.Parse(yaml, dir["recipe.yaml"], overrides);

    /// <summary>Runs the recipe; with <paramref name="interruptAfterFirst"/> a SIGTERM arrives during the first step (or chunk), so the stage saves and stops after it.</summary>
    public static RunResult Run(Recipe recipe, ResumeRequest resume, bool interruptAfterFirst = false, int selectChunk = 256)
    {
        using var interrupt = TrainingInterrupt.CreateDetached(_ => throw new InvalidOperationException("exit"));
        Action<long, StageContext>? stop = interruptAfterFirst ? (step, _) => { if (step == 1) interrupt.Request(System.Runtime.InteropServices.PosixSignal.SIGTERM); } : null;
        var registry = new StageRunnerRegistry()
            .Register(new PrmTrainRunner { AfterStep = stop })
            .Register(new SelectRunner { ChunkSize = selectChunk, AfterChunk = stop });
        return new RecipeRunner(registry).Run(recipe, resume, interrupt, new RunSettings { Interactive = false });
    }
}
