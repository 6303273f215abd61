using System.Runtime.InteropServices;

namespace ReasonFlux.Torch.Interop;

/// <summary>The one status-checking helper: every native call's status goes through <see cref="Check"/>.</summary>
internal static unsafe class NativeStatus
{
    static NativeStatus() => NativeLibraryResolver.Register();

    /// <summary>Throws a <see cref="TorchException"/> carrying libtorch's message when status is non-zero.</summary>
    public static void Check(int status)
    {
        if (status != 0) Throw();
    }

    private static void Throw()
    {
        var message = Marshal.PtrToStringUTF8((nint)NativeMethods.rf_last_error()) ?? "unknown native error";
        throw new TorchException(message);
    }
}
