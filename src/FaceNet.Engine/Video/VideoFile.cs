namespace FaceNet.Engine.Video;

/// <summary>Tells videos from photos by their first bytes (never by extension: a renamed file is what its bytes say).</summary>
public static class VideoFile
{
    /// <summary>
    /// True for the containers FFmpeg reads that cameras, phones and screen recorders write: ISO media (MP4, MOV, M4V,
    /// 3GP, except the HEIC/AVIF still-image brands), Matroska/WebM, AVI, MPEG transport and program streams, ASF/WMV and FLV.
    /// </summary>
    public static bool IsVideo(string path)
    {
        Span<byte> head = stackalloc byte[192];
        int n;
        try
        {
            using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            n = s.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false; // the image loader reports an unreadable file
        }
        return IsVideo(head[..n]);
    }

    public static bool IsVideo(ReadOnlySpan<byte> b)
    {
        if (b.Length >= 12 && b[4] == 'f' && b[5] == 't' && b[6] == 'y' && b[7] == 'p')
        {
            var brand = System.Text.Encoding.ASCII.GetString(b.Slice(8, 4)).Trim('\0', ' ');
            return brand is not ("heic" or "heix" or "hevc" or "hevx" or "heim" or "heis" or "mif1" or "msf1" or "avif" or "avis" or "jxl" or "crx");
        }
        // QuickTime files from old cameras may start with another atom (wide, mdat, moov) instead of ftyp.
        if (b.Length >= 8 && (b[4..8].SequenceEqual("moov"u8) || b[4..8].SequenceEqual("mdat"u8) || b[4..8].SequenceEqual("wide"u8))) return true;
        if (b.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3])) return true;                   // Matroska, WebM
        if (b.Length >= 12 && b.StartsWith("RIFF"u8) && b[8..12].SequenceEqual("AVI "u8)) return true;  // AVI
        if (b.StartsWith((ReadOnlySpan<byte>)[0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11])) return true; // ASF, WMV
        if (b.StartsWith("FLV"u8)) return true;
        if (b.StartsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0x01, 0xBA])) return true;                   // MPEG program stream
        if (b.Length >= 189 && b[0] == 0x47 && b[188] == 0x47) return true;                            // MPEG-TS (AVCHD .mts): two sync bytes a packet apart
        return false;
    }
}
