using System.Buffers.Binary;
using System.Numerics;

namespace ReasonFlux.Runs;

/// <summary>CRC-32C (Castagnoli), as TFRecord framing uses; hardware-accelerated where the CPU has it.</summary>
public static class Crc32C
{
    /// <summary>The CRC-32C of <paramref name="data"/> (crc32c("123456789") = 0xE3069283).</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }

    /// <summary>TFRecord's masked CRC: rotate right by 15 and add a constant, so CRCs of CRCs stay well-distributed.</summary>
    public static uint Mask(uint crc) => ((crc >> 15) | (crc << 17)) + 0xA282EAD8u;

    /// <summary>Inverse of <see cref="Mask"/>.</summary>
    public static uint Unmask(uint masked)
    {
        uint rot = masked - 0xA282EAD8u;
        return (rot >> 17) | (rot << 15);
    }
}
