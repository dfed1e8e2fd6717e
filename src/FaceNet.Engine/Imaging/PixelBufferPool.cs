using System.Runtime.InteropServices;
using SkiaSharp;

namespace FaceNet.Engine.Imaging;

/// <summary>
/// Pixel memory for large decoded images, kept for the next photo instead of given back to the system. A 12 MP photo
/// needs 48 MB of RGBA; the C allocator takes anything over 32 MB fresh from the kernel and returns it on free, so each
/// photo paid for 11,700 new pages: on the 2-core AMD EPYC VMs here, decoding into fresh memory took 172-220 ms, into
/// memory already touched 26-66 ms. Buffers idle for a few seconds are freed, so a session that has finished reading
/// photos does not keep them.
/// </summary>
internal static unsafe class PixelBufferPool
{
    /// <summary>Images smaller than this (1 MP of RGBA) come from SkiaSharp's own allocation: the C heap reuses those.</summary>
    public const long MinPooledBytes = 4L << 20;

    /// <summary>At most this much idle memory is kept (two 12 MP photos and a bit).</summary>
    public const long MaxRetainedBytes = 160L << 20;

    private static readonly TimeSpan IdleLifetime = TimeSpan.FromSeconds(5);

    private sealed record Buffer(IntPtr Address, long Bytes)
    {
        public long ReturnedAt;
    }

    private static readonly List<Buffer> s_free = [];
    private static readonly Dictionary<IntPtr, Buffer> s_rented = [];
    private static long s_retainedBytes;
    private static Timer? s_trimTimer;
    private static readonly SKBitmapReleaseDelegate s_release = (address, _) => Return(address);

    /// <summary>A bitmap of <paramref name="info"/> (RGBA), its pixels from the pool when large; null when memory runs out.</summary>
    public static SKBitmap? TryAllocate(SKImageInfo info)
    {
        long bytes = (long)info.RowBytes * info.Height;
        var bitmap = new SKBitmap();
        if (bytes < MinPooledBytes)
        {
            if (bitmap.TryAllocPixels(info)) return bitmap;
            bitmap.Dispose();
            return null;
        }
        var buffer = Rent(bytes);
        if (buffer is null) { bitmap.Dispose(); return null; }
        if (!bitmap.InstallPixels(info, buffer.Address, info.RowBytes, s_release))
        {
            Return(buffer.Address);
            bitmap.Dispose();
            return null;
        }
        return bitmap;
    }

    private static Buffer? Rent(long bytes)
    {
        lock (s_free)
        {
            // The smallest free buffer that fits and is not more than twice the size (a 12 MP buffer is not spent on a 2 MP photo).
            Buffer? best = null;
            foreach (var b in s_free)
                if (b.Bytes >= bytes && b.Bytes <= 2 * bytes && (best is null || b.Bytes < best.Bytes)) best = b;
            if (best is not null)
            {
                s_free.Remove(best);
                s_retainedBytes -= best.Bytes;
                s_rented[best.Address] = best;
                return best;
            }
        }
        IntPtr address;
        try { address = (IntPtr)NativeMemory.Alloc((nuint)bytes); }
        catch (OutOfMemoryException) { return null; }
        var buffer = new Buffer(address, bytes);
        lock (s_free) s_rented[address] = buffer;
        return buffer;
    }


    private static void Return(IntPtr address)
    {
        Buffer? toFree = null;
        lock (s_free)
        {
            if (!s_rented.Remove(address, out var buffer)) return;
            if (buffer.Bytes > MaxRetainedBytes) toFree = buffer;
            else
            {
                buffer.ReturnedAt = Environment.TickCount64;
                s_free.Add(buffer);
                s_retainedBytes += buffer.Bytes;
                // Over the cap: the oldest idle buffers go first.
                while (s_retainedBytes > MaxRetainedBytes)
                {
                    var oldest = s_free.MinBy(b => b.ReturnedAt)!;
                    s_free.Remove(oldest);
                    s_retainedBytes -= oldest.Bytes;
                    NativeMemory.Free((void*)oldest.Address);
                }
                s_trimTimer ??= new Timer(_ => Trim(), null, IdleLifetime, IdleLifetime);
            }
        }
        if (toFree is not null) NativeMemory.Free((void*)toFree.Address);
    }

    /// <summary>Frees buffers idle for longer than a few seconds; stops the timer when none are left.</summary>
    private static void Trim()
    {
        lock (s_free)
        {
            long now = Environment.TickCount64;
            for (int i = s_free.Count - 1; i >= 0; i--)
            {
                if (now - s_free[i].ReturnedAt < IdleLifetime.TotalMilliseconds) continue;
                s_retainedBytes -= s_free[i].Bytes;
                NativeMemory.Free((void*)s_free[i].Address);
                s_free.RemoveAt(i);
            }
            if (s_free.Count == 0 && s_trimTimer is not null)
            {
                s_trimTimer.Dispose();
                s_trimTimer = null;
            }
        }
    }

    /// <summary>Idle bytes held now (tests).</summary>
    public static long RetainedBytes { get { lock (s_free) return s_retainedBytes; } }
}
