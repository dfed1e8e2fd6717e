using System.Runtime.InteropServices;

namespace FaceNet.Engine.Models;

/// <summary>
/// Flush-to-zero and denormals-are-zero for the current thread, for the length of a model pass. Intel cores
/// take a slow microcode path for arithmetic on denormal floats (below 1.2e-38), 5-10x per convolution when
/// activations or weights land there; with both modes on, such values are read and written as zero, which
/// changes no output a float32 sum can tell apart. The caller's mode is restored afterwards, so managed code
/// on the same (pool) thread keeps IEEE behaviour.
/// </summary>
/// <remarks>
/// Set through glibc's fegetmode/fesetmode (glibc 2.25+): MXCSR's FTZ and DAZ bits on x86-64, FPCR's FZ bit on
/// arm64. Elsewhere (Windows, macOS, musl) <see cref="IsSupported"/> is false and passes run in the caller's mode;
/// the shipped weights hold no denormals either way (models.json, "preparation").
/// </remarks>
public static class DenormalFlush
{
    // x86-64: femode_t is { ushort x87 control word; ushort reserved; uint mxcsr }; arm64: femode_t is the 32-bit FPCR.
    private const ulong MxcsrFlushBits = (0x8000UL /* FTZ */ | 0x0040UL /* DAZ */) << 32;
    private const ulong FpcrFlushBits = 1UL << 24; // FZ

    private static readonly ulong s_bits = Probe();

    /// <summary>Whether this platform's passes run with denormals flushed.</summary>
    public static bool IsSupported => s_bits != 0;

    /// <summary>
    /// Off only for measurements (tools' A/B runs, or FACENET_DENORMALS=keep in the environment): passes then run in
    /// the caller's mode, as before this existed.
    /// </summary>
    public static bool Enabled { get; set; } = !string.Equals(Environment.GetEnvironmentVariable("FACENET_DENORMALS"), "keep", StringComparison.OrdinalIgnoreCase);

    /// <summary>Turns flushing on for this thread until the returned scope is disposed.</summary>
    public static Scope Enter()
    {
        if (s_bits == 0 || !Enabled) return default;
        fegetmode(out ulong saved);
        ulong flushed = saved | s_bits;
        if (flushed != saved) fesetmode(in flushed);
        return new Scope(saved, flushed != saved);
    }

    /// <summary>
    /// Restores the current thread's mode when disposed, whatever happens meanwhile. ONNX Runtime's own
    /// "session.set_denormal_as_zero" turns flushing on for good on the thread that creates the process's first
    /// session; session creation runs inside this, so only ONNX Runtime's pool threads keep that setting.
    /// </summary>
    public static Scope Preserve()
    {
        if (s_bits == 0) return default;
        fegetmode(out ulong saved);
        return new Scope(saved, true);
    }

    /// <summary>Whether flushing is on for the current thread now (tests and diagnostics).</summary>
    public static bool IsOnForCurrentThread()
    {
        if (s_bits == 0) return false;
        fegetmode(out ulong mode);
        return (mode & s_bits) == s_bits;
    }

    public readonly struct Scope : IDisposable
    {
        private readonly ulong _saved;
        private readonly bool _restore;

        internal Scope(ulong saved, bool restore) { _saved = saved; _restore = restore; }

        public void Dispose()
        {
            if (_restore) fesetmode(in _saved);
        }
    }

    private static ulong Probe()
    {
        if (!OperatingSystem.IsLinux()) return 0;
        ulong bits = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => MxcsrFlushBits,
            Architecture.Arm64 => FpcrFlushBits,
            _ => 0,
        };
        if (bits == 0) return 0;
        try
        {
            // Round trip once: proves the library and both entry points are there and that the bits stick.
            if (fegetmode(out ulong mode) != 0) return 0;
            ulong flushed = mode | bits;
            if (fesetmode(in flushed) != 0) return 0;
            fegetmode(out ulong check);
            fesetmode(in mode);
            return (check & bits) == bits ? bits : 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return 0;
        }
    }

    // femode_t is 8 bytes on x86-64 and 4 on arm64; an 8-byte buffer serves both (arm64 uses the low half).
    [DllImport("libm.so.6", ExactSpelling = true)]
    private static extern int fegetmode(out ulong mode);

    [DllImport("libm.so.6", ExactSpelling = true)]
    private static extern int fesetmode(in ulong mode);
}
