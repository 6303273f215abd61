using ReasonFlux.Runs;
using ReasonFlux.Training.Grpo;
using ReasonFlux.Training.Sft;

namespace ReasonFlux.Training;

/// <summary>Registers every stage runner of this library; the CLI calls it once at startup.</summary>
public static class TrainingStages
{
    public static StageRunnerRegistry RegisterAll(StageRunnerRegistry registry)
    {
        registry.Register(new Data.DataStageRunner());
        registry.Register(new SftRunner());
        // Process rewards from a frozen ReasonFlux-PRM, and periodic evaluation during GRPO.
        registry.Register(new GrpoRunner { ProcessRewardModelFactory = PrmProcessRewardModel.Load, Evaluate = Eval.GrpoEvaluation.Evaluate });
        registry.Register(new Eval.EvalRunner(Eval.PrmCompletionScorer.Load));
        // On-policy PRM data: the policy's own samples, every step labelled by checking it.
        registry.Register(new Label.LabelRunner());
        registry.Register(new Prm.PrmTrainRunner());
        registry.Register(new Select.SelectRunner());
        registry.Register(new Report.ReportRunner());
        return registry;
    }
}
