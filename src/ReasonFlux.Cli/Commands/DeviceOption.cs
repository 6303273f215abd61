using System.CommandLine;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Torch;
using ReasonFlux.Training.Common;

namespace ReasonFlux.Cli.Commands;

/// <summary>--device of the verbs that run without a recipe: the values and the auto rule of a recipe's model.device.</summary>
internal static class DeviceOption
{
    public static Option<string> Create(string what) => new("--device")
    {
        Description = $"Device of {what}: auto (cuda:0 when libtorch has CUDA, else the CPU), cpu, cuda or cuda:N.",
        DefaultValueFactory = _ => DeviceNames.Auto,
    };

    /// <summary>The device <paramref name="option"/> names; one this libtorch or machine lacks is refused, naming --device.</summary>
    public static Device Resolve(ParseResult parseResult, Option<string> option) =>
        ModelResolver.DeviceOf(parseResult.GetValue(option)!, localRank: 0, key: "--device");
}
