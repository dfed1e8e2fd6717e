using System.Text;

namespace FaceNet.Engine.Imaging;

/// <summary>What a file's first bytes say it is, when it is a format the decoders do not read.</summary>
/// <param name="Name">The format in words, as a user knows it ("a TIFF image", "a PDF document").</param>
/// <param name="IsImage">An image in a format we lack (UnsupportedFormat), rather than something that is no image at all (NotAnImage).</param>
/// <param name="Advice">What to do about it, one sentence.</param>
public sealed record FileSignature(string Name, bool IsImage, string Advice)
{
    private const string Convert = "Convert it to PNG or JPEG first (for example with ImageMagick: magick in.ext out.png).";

    /// <summary>The known format these bytes begin with, or null (junk, text, or a format we have no name for).</summary>
    public static FileSignature? Identify(ReadOnlySpan<byte> b)
    {
        if (b.Length >= 12 && b[4] == 'f' && b[5] == 't' && b[6] == 'y' && b[7] == 'p')
        {
            var brand = Encoding.ASCII.GetString(b.Slice(8, 4)).Trim('\0', ' ');
            return brand switch
            {
                "heic" or "heix" or "hevc" or "hevx" or "heim" or "heis" or "mif1" or "msf1" => Image("a HEIC (HEIF) image, as iPhones save photos"),
                "avif" or "avis" => Image("an AVIF image"),
                "jxl" => Image("a JPEG XL image"),
                "crx" => Image("a Canon raw (CR3) photo"),
                _ => new FileSignature($"an ISO media file (brand '{brand}'), such as an MP4 or QuickTime video", false,
                    "Extract a frame as an image first (for example with ffmpeg)."),
            };
        }
        if (b.Length >= 4 && ((b[0] == 'I' && b[1] == 'I' && b[2] == 42 && b[3] == 0) || (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && b[3] == 42)))
            return Image("a TIFF image");
        if (b.Length >= 2 && b[0] == 0xFF && b[1] == 0x0A) return Image("a JPEG XL image");
        if (StartsWith(b, [0, 0, 0, 0x0C, (byte)'J', (byte)'X', (byte)'L', (byte)' '])) return Image("a JPEG XL image");
        if (StartsWith(b, [0, 0, 0, 0x0C, (byte)'j', (byte)'P', (byte)' ', (byte)' '])) return Image("a JPEG 2000 image");
        if (StartsWith(b, [0xFF, 0x4F, 0xFF, 0x51])) return Image("a JPEG 2000 codestream");
        if (StartsWith(b, "8BPS"u8)) return Image("a Photoshop (PSD) document");
        if (StartsWith(b, [0x76, 0x2F, 0x31, 0x01])) return Image("an OpenEXR image");
        if (b.Length >= 3 && b[0] == 'P' && b[1] is (byte)'1' or (byte)'4' && IsSpace(b[2])) return Image("a PBM (black-and-white Netpbm) image");
        if (b.Length >= 3 && b[0] == 'P' && b[1] == '7' && IsSpace(b[2])) return Image("a PAM (Netpbm) image");
        if (StartsWith(b, "%PDF"u8))
            return new FileSignature("a PDF document", false, "Export its pages as images first (for example with pdftoppm -png).");
        if (StartsWith(b, "PK\u0003\u0004"u8))
            return new FileSignature("a ZIP archive (or an Office document, which is one)", false, "Extract the photos from it first (Expand-Archive).");
        if (StartsWith(b, [0x1F, 0x8B])) return new FileSignature("a GZIP-compressed file", false, "Decompress it first.");
        if (StartsWith(b, "SQLite format 3\0"u8))
            return new FileSignature("an SQLite database (a FaceNet gallery is one)", false, "Read a gallery with Import-FaceGallery, or give it to Find-Face -Gallery.");
        if (IsSvg(b)) return new FileSignature("an SVG drawing (vector graphics, not a photo)", true, Convert);
        return null;
    }

    private static FileSignature Image(string name) => new(name, true, Convert);

    private static bool StartsWith(ReadOnlySpan<byte> b, ReadOnlySpan<byte> prefix) => b.StartsWith(prefix);

    private static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0x0B or 0x0C;

    // SVG is text: "<svg" near the start, possibly after a BOM, an XML declaration, comments or a DOCTYPE.
    private static bool IsSvg(ReadOnlySpan<byte> b)
    {
        var head = b[..Math.Min(b.Length, 1024)];
        int start = head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        while (start < head.Length && IsSpace(head[start])) start++;
        if (start >= head.Length || head[start] != '<') return false;
        return head.IndexOf("<svg"u8) >= 0;
    }
}
