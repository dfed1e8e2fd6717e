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
/// .NET has no API for the floating-point control register, so each C runtime's own is used:
/// Linux (glibc 2.25+): fegetmode/fesetmode, MXCSR's FTZ and DAZ bits on x86-64, FPCR's FZ bit on arm64.
/// Windows x64 (ucrtbase.dll): _controlfp_s with _MCW_DN, whose _DN_FLUSH sets both FTZ and DAZ.
/// macOS (libSystem): fegetenv/fesetenv, whose fenv_t holds MXCSR on x86-64 and FPCR on arm64.
/// Elsewhere (musl, Windows arm64) <see cref="IsSupported"/> is false and passes run in the caller's mode; the
/// shipped weights hold no denormals either way (models.json, "preparation").
/// </remarks>
public static class DenormalFlush
{
    private enum Api { None, Glibc, Ucrt, Darwin }

    // Linux x86-64: femode_t is { ushort x87 control word; ushort reserved; uint mxcsr }; arm64: femode_t is the 32-bit FPCR.
    // macOS x86-64: fenv_t is { ushort control; ushort status; uint mxcsr; byte[8] }, so MXCSR sits where glibc's does;
    // macOS arm64: fenv_t is { ulong fpsr; ulong fpcr }.
    private const ulong MxcsrFlushBits = (0x8000UL /* FTZ */ | 0x0040UL /* DAZ */) << 32;
    private const ulong FpcrFlushBits = 1UL << 24; // FZ
    private const uint McwDn = 0x03000000;          // _MCW_DN: the denormal control field
    private const uint DnFlush = 0x01000000;        // _DN_FLUSH: flush operands and results (DAZ and FTZ)

    private static readonly Api s_api;
    private static readonly ulong s_mask; // the bits of the mode that control flushing
    private static readonly ulong s_bits; // their value with flushing on

    static DenormalFlush() => (s_api, s_mask, s_bits) = Probe();

    /// <summary>Whether this platform's passes run with denormals flushed.</summary>
    public static bool IsSupported => s_api != Api.None;

    /// <summary>
    /// Off only for measurements (tools' A/B runs, or FACENET_DENORMALS=keep in the environment): passes then run in
    /// the caller's mode, as before this existed.
    /// </summary>
    public static bool Enabled { get; set; } = !string.Equals(Environment.GetEnvironmentVariable("FACENET_DENORMALS"), "keep", StringComparison.OrdinalIgnoreCase);

    /// <summary>Turns flushing on for this thread until the returned scope is disposed.</summary>
    public static Scope Enter()
    {
        if (s_api == Api.None || !Enabled) return default;
        ulong saved = GetMode(s_api);
        ulong flushed = (saved & ~s_mask) | s_bits;
        if (flushed != saved) SetMode(s_api, flushed);
        return new Scope(saved, flushed != saved);
    }

    /// <summary>
    /// Restores the current thread's mode when disposed, whatever happens meanwhile. ONNX Runtime's own
    /// "session.set_denormal_as_zero" turns flushing on for good on the thread that creates the process's first
    /// session; session creation runs inside this, so only ONNX Runtime's pool threads keep that setting.
    /// </summary>
    public static Scope Preserve() => s_api == Api.None ? default : new Scope(GetMode(s_api), true);

    /// <summary>Whether flushing is on for the current thread now (tests and diagnostics).</summary>
    public static bool IsOnForCurrentThread() => s_api != Api.None && (GetMode(s_api) & s_mask) == s_bits;

    public readonly struct Scope : IDisposable
    {
        private readonly ulong _saved;
        private readonly bool _restore;

        internal Scope(ulong saved, bool restore) { _saved = saved; _restore = restore; }

        public void Dispose()
        {
            if (_restore) SetMode(s_api, _saved);
        }
    }

    private static (Api, ulong Mask, ulong Bits) Probe()
    {
        var arch = RuntimeInformation.ProcessArchitecture;
        (Api api, ulong bits, ulong mask) = (OperatingSystem.IsLinux(), OperatingSystem.IsWindows(), OperatingSystem.IsMacOS(), arch) switch
        {
            (true, _, _, Architecture.X64) => (Api.Glibc, MxcsrFlushBits, MxcsrFlushBits),
            (true, _, _, Architecture.Arm64) => (Api.Glibc, FpcrFlushBits, FpcrFlushBits),
            (_, true, _, Architecture.X64) => (Api.Ucrt, DnFlush, McwDn),
            (_, _, true, Architecture.X64) => (Api.Darwin, MxcsrFlushBits, MxcsrFlushBits),
            (_, _, true, Architecture.Arm64) => (Api.Darwin, FpcrFlushBits, FpcrFlushBits),
            _ => (Api.None, 0UL, 0UL),
        };
        if (api == Api.None) return (Api.None, 0, 0);
        try
        {
            // Round trip once: proves the library and its entry points are there and that the bits stick.
            ulong mode = GetMode(api);
            SetMode(api, (mode & ~mask) | bits);
            ulong check = GetMode(api);
            SetMode(api, mode);
            return (check & mask) == bits ? (api, mask, bits) : (Api.None, 0, 0);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or InvalidOperationException)
        {
            return (Api.None, 0, 0);
        }
    }

    private static ulong GetMode(Api api)
    {
        switch (api)
        {
            case Api.Glibc:
                Check(fegetmode(out ulong mode));
                return mode;
            case Api.Ucrt:
                Check(_controlfp_s(out uint control, 0, 0)); // mask 0: reads only
                return control;
            default:
                Check(fegetenv(out DarwinEnv env));
                return RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? env.Second : env.First;
        }
    }

    private static void SetMode(Api api, ulong mode)
    {
        switch (api)
        {
            case Api.Glibc:
                Check(fesetmode(in mode));
                break;
            case Api.Ucrt:
                Check(_controlfp_s(out _, (uint)mode & McwDn, McwDn));
                break;
            default:
                Check(fegetenv(out DarwinEnv env));
                if (RuntimeInformation.ProcessArchitecture == Architecture.Arm64) env.Second = mode; else env.First = mode;
                Check(fesetenv(in env));
                break;
        }
    }

    private static void Check(int result)
    {
        if (result != 0) throw new InvalidOperationException($"The C runtime refused the floating-point mode change ({result}).");
    }

    // femode_t is 8 bytes on x86-64 and 4 on arm64; an 8-byte buffer serves both (arm64 uses the low half).
    [DllImport("libm.so.6", ExactSpelling = true)]
    private static extern int fegetmode(out ulong mode);

    [DllImport("libm.so.6", ExactSpelling = true)]
    private static extern int fesetmode(in ulong mode);

    [DllImport("ucrtbase.dll", ExactSpelling = true)]
    private static extern int _controlfp_s(out uint currentControl, uint newControl, uint mask);

    // fenv_t is 16 bytes on both macOS architectures.
    [StructLayout(LayoutKind.Sequential)]
    private struct DarwinEnv { public ulong First; public ulong Second; }

    [DllImport("/usr/lib/libSystem.B.dylib", ExactSpelling = true)]
    private static extern int fegetenv(out DarwinEnv env);

    [DllImport("/usr/lib/libSystem.B.dylib", ExactSpelling = true)]
    private static extern int fesetenv(in DarwinEnv env);
}
