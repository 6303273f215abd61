namespace ReasonFlux.Checkpoints;

/// <summary>
/// Write-only pass-through that holds a tensor callback to its declared byte count: the header is already on disk,
/// so a callback writing too much or too little would silently corrupt every tensor after it.
/// </summary>
internal sealed class ExactLengthStream(Stream inner, long expected, string tensorName) : Stream
{
    private long _written;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => expected;

    public override long Position
    {
        get => _written;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_written + buffer.Length > expected)
            throw new InvalidOperationException($"tensor '{tensorName}': the byte callback wrote more than the {expected} bytes its dtype and shape call for");
        inner.Write(buffer);
        _written += buffer.Length;
    }

    public override void WriteByte(byte value) => Write([value]);

    public void CheckComplete()
    {
        if (_written != expected)
            throw new InvalidOperationException($"tensor '{tensorName}': the byte callback wrote {_written} bytes but its dtype and shape call for {expected}");
    }

    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
