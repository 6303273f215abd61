using System.Diagnostics;
using System.Text.Json.Nodes;
using ReasonFlux.Runs.Distributed;
using ReasonFlux.Training.Common;
using static ReasonFlux.Torch.torch;

namespace AllReduceBench;

/// <summary>One rank: gradients of the model's shapes, summed over the ranks by the product's data-parallel code.</summary>
internal static class Worker
{
    public static int Run(int rank, int world, int port, string model, int iters)
    {
        var layout = new ProcessLayout(LayoutSource.Torchrun, rank, world, rank, world, "127.0.0.1", port);
        using var context = DistributedContext.Join(layout, distributed.Backend.Gloo, ReasonFlux.Torch.Device.CPU, TimeSpan.FromSeconds(300));
        var dataParallel = new DataParallel(context);
        using var scope = NewDisposeScope();
        using var g = new ReasonFlux.Torch.Generator(rank + 1);
        var parameters = GradientShapes.Of(model).Select(s =>
        {
            var p = zeros(s, ReasonFlux.Torch.ScalarType.Float32).requires_grad_();
            p.grad = randn(s, ReasonFlux.Torch.ScalarType.Float32, generator: g);
            return p;
        }).ToList();
        dataParallel.AllReduceGradients(parameters); // warm-up: connections, allocations
        var times = new List<double>();
        for (int i = 0; i < iters; i++)
        {
            context.Barrier();
            var clock = Stopwatch.StartNew();
            dataParallel.AllReduceGradients(parameters);
            times.Add(clock.Elapsed.TotalSeconds);
        }
        times.Sort();
        if (rank == 0) Console.WriteLine(new JsonObject { ["seconds"] = times[times.Count / 2] }.ToJsonString());
        return 0;
    }
}
