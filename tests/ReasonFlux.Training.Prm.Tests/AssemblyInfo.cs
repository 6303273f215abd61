// The tests train models (CPU-bound) and redirect the console for CLI checks: run them one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
