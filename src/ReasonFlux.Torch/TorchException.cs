namespace ReasonFlux.Torch;

/// <summary>An error reported by libtorch (shape mismatch, bad dtype, out of memory…), with libtorch's message.</summary>
public sealed class TorchException(string message) : Exception(message);
