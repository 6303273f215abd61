namespace ReasonFlux.Tokenizers;

/// <summary>One token of an encoding: its id and its vocabulary string (byte-level characters for BPE tokens).</summary>
public readonly record struct EncodedToken(int Id, string Value);
