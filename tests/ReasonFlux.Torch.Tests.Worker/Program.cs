// One rank of the two-process Gloo test: joins the group, runs each collective, prints the results as
// "name: values" lines for the test to compare across ranks.
using static ReasonFlux.Torch.torch;

int rank = int.Parse(args[0]), world = int.Parse(args[1]), port = int.Parse(args[2]);
using var pg = distributed.ProcessGroup.Create(distributed.Backend.Gloo, rank, world, "127.0.0.1", port, TimeSpan.FromSeconds(60));
using var scope = NewDisposeScope();

var sum = tensor(new float[] { rank + 1, 10 * (rank + 1) });
pg.all_reduce_sum(sum);
Console.WriteLine($"allreduce: {string.Join(",", sum.ToArray<float>())}");

var bf16 = tensor(new float[] { rank + 0.5f }).to(bfloat16);
pg.all_reduce_sum(bf16);
Console.WriteLine($"allreduce_bf16: {string.Join(",", bf16.ToFloatArray())}");

var b = rank == 0 ? tensor(new float[] { 42, 7 }) : zeros([2]);
pg.broadcast(b, root: 0);
Console.WriteLine($"broadcast: {string.Join(",", b.ToArray<float>())}");

var gathered = pg.all_gather(tensor(new float[] { rank }));
Console.WriteLine($"allgather: {string.Join(",", gathered.ToArray<float>())}");

var rs = pg.reduce_scatter_sum(tensor(new float[] { 1, 2, 3, 4 }).mul(rank + 1));
Console.WriteLine($"reduce_scatter: {string.Join(",", rs.ToArray<float>())}");

pg.barrier();
Console.WriteLine("done");
