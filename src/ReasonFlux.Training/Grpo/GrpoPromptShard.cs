namespace ReasonFlux.Training.Grpo;

/// <summary>
/// Which of a step's prompts each rank generates. A rank's sequences are consumed in updates of
/// <c>updateSequences</c> (micro_batch_size × grad_accumulation, at most all of its own); for the world's update u
/// to hold exactly the sequences of one process's update u (with world × the accumulation), the prompts are dealt in
/// blocks: update u's slice of the global batch, world × updateSequences / G prompts, is cut into one contiguous
/// share per rank. A prompt's G rollouts stay on one rank. When an update does not hold whole groups
/// (updateSequences not a multiple of G) the prompts are split contiguously; a 1-process run then cuts its updates
/// elsewhere, so it computes the same step only with one update per step.
/// </summary>
public static class GrpoPromptShard
{
    /// <summary>Positions in the step's global prompt list that <paramref name="rank"/> generates, in order.</summary>
    public static int[] Positions(int prompts, int groupSize, long updateSequences, int rank, int world)
    {
        if (prompts % world != 0) throw new ArgumentException($"{prompts} prompts do not split over {world} ranks", nameof(prompts));
        int local = prompts / world;
        int block = updateSequences % groupSize == 0 ? (int)Math.Clamp(updateSequences / groupSize, 1, local) : local;
        var mine = new List<int>(local);
        for (int start = 0; start < prompts; start += world * block)
        {
            // The last slice may be shorter; it still splits evenly, since prompts and every earlier slice do.
            int share = Math.Min(world * block, prompts - start) / world;
            for (int i = 0; i < share; i++) mine.Add(start + rank * share + i);
        }
        return mine.ToArray();
    }
}
