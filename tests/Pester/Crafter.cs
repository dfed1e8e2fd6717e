// Crafted image files for Robustness.Tests.ps1 and NewUser.Tests.ps1 (compiled with Add-Type by whichever runs first):
// headers that lie, truncations, splices, and Netpbm files.
using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using SkiaSharp;

namespace FaceNetRobustness
{
    /// <summary>Writes image files SkiaSharp cannot encode (CMYK JPEG, palette PNG, BMP, GIF) and crafts headers.</summary>
    public static class Crafter
    {
        // ---------- JPEG: baseline, DC-only (8x8 block averages), 1 (grey) or 4 (Adobe CMYK) components ----------
        public static byte[] DcOnlyJpeg(SKBitmap src, bool cmyk)
        {
            int w = src.Width, h = src.Height, nc = cmyk ? 4 : 1;
            var ms = new MemoryStream();
            void B(params int[] bs) { foreach (var b in bs) ms.WriteByte((byte)b); }
            void W16(int v) { B(v >> 8, v & 255); }
            B(0xFF, 0xD8);
            if (cmyk) { B(0xFF, 0xEE); W16(14); foreach (var c in "Adobe") B(c); W16(100); W16(0); W16(0); B(0); }
            B(0xFF, 0xDB); W16(67); B(0); for (int i = 0; i < 64; i++) B(1);
            B(0xFF, 0xC0); W16(8 + 3 * nc); B(8); W16(h); W16(w); B(nc); for (int c = 0; c < nc; c++) B(c + 1, 0x11, 0);
            int[] dcBits = { 0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0 };
            B(0xFF, 0xC4); W16(3 + 16 + 12); B(0x00); foreach (var b in dcBits) B(b); for (int i = 0; i < 12; i++) B(i);
            B(0xFF, 0xC4); W16(3 + 16 + 2); B(0x10); B(0, 2); for (int i = 0; i < 14; i++) B(0); B(0x00, 0x01);
            B(0xFF, 0xDA); W16(6 + 2 * nc); B(nc); for (int c = 0; c < nc; c++) B(c + 1, 0); B(0, 63, 0);
            // standard luminance DC codes for categories 0..11
            var dcCode = new int[12]; var dcLen = new int[12];
            { int code = 0, k = 0; for (int l = 1; l <= 16; l++) { for (int i = 0; i < dcBits[l - 1]; i++) { dcCode[k] = code++; dcLen[k] = l; k++; } code <<= 1; } }
            long acc = 0; int nbits = 0;
            void Put(int v, int n) { acc = (acc << n) | (uint)(v & ((1 << n) - 1)); nbits += n; while (nbits >= 8) { int b = (int)(acc >> (nbits - 8)) & 255; ms.WriteByte((byte)b); if (b == 0xFF) ms.WriteByte(0); nbits -= 8; } }
            var pred = new int[nc];
            int bw = (w + 7) / 8, bh = (h + 7) / 8;
            var sum = new double[nc];
            for (int by = 0; by < bh; by++)
                for (int bx = 0; bx < bw; bx++)
                {
                    Array.Clear(sum, 0, nc);
                    for (int y = 0; y < 8; y++)
                        for (int x = 0; x < 8; x++)
                        {
                            var p = src.GetPixel(Math.Min(bx * 8 + x, w - 1), Math.Min(by * 8 + y, h - 1));
                            if (!cmyk) sum[0] += 0.299 * p.Red + 0.587 * p.Green + 0.114 * p.Blue;
                            else
                            {
                                // Adobe CMYK is stored inverted: value = 255 - ink. Decoders give r = C'*K'/255.
                                int kk = Math.Max(p.Red, Math.Max(p.Green, p.Blue));
                                sum[0] += kk == 0 ? 255 : p.Red * 255.0 / kk; sum[1] += kk == 0 ? 255 : p.Green * 255.0 / kk;
                                sum[2] += kk == 0 ? 255 : p.Blue * 255.0 / kk; sum[3] += kk;
                            }
                        }
                    for (int c = 0; c < nc; c++)
                    {
                        int dc = (int)Math.Round((sum[c] - 64 * 128) / 8);
                        int diff = dc - pred[c]; pred[c] = dc;
                        int mag = Math.Abs(diff), cat = 0; while (mag >> cat != 0) cat++;
                        Put(dcCode[cat], dcLen[cat]);
                        if (cat > 0) Put(diff > 0 ? diff : diff + (1 << cat) - 1, cat);
                        Put(0, 2); // EOB
                    }
                }
            if (nbits > 0) Put((1 << (8 - nbits)) - 1, 8 - nbits);
            B(0xFF, 0xD9);
            return ms.ToArray();
        }

        /// <summary>Inserts an APP1 Exif segment with one Orientation tag right after SOI.</summary>
        public static byte[] WithExifOrientation(byte[] jpeg, int orientation)
        {
            var tiff = new byte[] { (byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte)orientation, 0, 0, 0, 0, 0, 0 };
            var ms = new MemoryStream();
            ms.Write(jpeg, 0, 2);
            int len = 2 + 6 + tiff.Length;
            ms.Write(new byte[] { 0xFF, 0xE1, (byte)(len >> 8), (byte)len, (byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0 });
            ms.Write(tiff);
            ms.Write(jpeg, 2, jpeg.Length - 2);
            return ms.ToArray();
        }

        /// <summary>The stored pixels that display as <paramref name="upright"/> under EXIF orientation o (the inverse transform).</summary>
        public static SKBitmap InverseOrient(SKBitmap upright, int o)
        {
            int W = upright.Width, H = upright.Height;
            bool swap = o >= 5;
            var dst = new SKBitmap(swap ? H : W, swap ? W : H);
            int sw = dst.Width, sh = dst.Height;
            for (int y = 0; y < sh; y++)
                for (int x = 0; x < sw; x++)
                {
                    // display (dx,dy) of stored (x,y), per EXIF: 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90 CW, 7 transverse, 8 rotate 90 CCW
                    int dx, dy;
                    switch (o)
                    {
                        case 2: dx = sw - 1 - x; dy = y; break;
                        case 3: dx = sw - 1 - x; dy = sh - 1 - y; break;
                        case 4: dx = x; dy = sh - 1 - y; break;
                        case 5: dx = y; dy = x; break;
                        case 6: dx = sh - 1 - y; dy = x; break;
                        case 7: dx = sh - 1 - y; dy = sw - 1 - x; break;
                        case 8: dx = y; dy = sw - 1 - x; break;
                        default: dx = x; dy = y; break;
                    }
                    dst.SetPixel(x, y, upright.GetPixel(dx, dy));
                }
            return dst;
        }

        // ---------- PNG ----------
        static readonly uint[] CrcTable = MakeCrc();
        static uint[] MakeCrc() { var t = new uint[256]; for (uint n = 0; n < 256; n++) { uint c = n; for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1; t[n] = c; } return t; }
        public static uint Crc(byte[] b, int off, int len) { uint c = 0xFFFFFFFFu; for (int i = off; i < off + len; i++) c = CrcTable[(c ^ b[i]) & 255] ^ (c >> 8); return c ^ 0xFFFFFFFFu; }
        static void Chunk(Stream s, string type, byte[] data)
        {
            var buf = new byte[4 + data.Length];
            for (int i = 0; i < 4; i++) buf[i] = (byte)type[i];
            Array.Copy(data, 0, buf, 4, data.Length);
            s.Write(BE(data.Length)); s.Write(buf); s.Write(BE((int)Crc(buf, 0, buf.Length)));
        }
        static byte[] BE(int v) => new[] { (byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v };
        static byte[] Zlib(byte[] raw) { var ms = new MemoryStream(); using (var z = new ZLibStream(ms, CompressionLevel.Fastest, true)) z.Write(raw); return ms.ToArray(); }
        static byte[] Ihdr(int w, int h, int depth, int type) { var d = new byte[13]; BE(w).CopyTo(d, 0); BE(h).CopyTo(d, 4); d[8] = (byte)depth; d[9] = (byte)type; return d; }
        static readonly byte[] PngSig = { 137, 80, 78, 71, 13, 10, 26, 10 };

        /// <summary>A palette (colour type 3) PNG, colours quantised to a 6x6x6 cube.</summary>
        public static byte[] PalettePng(SKBitmap src)
        {
            int w = src.Width, h = src.Height;
            var ms = new MemoryStream(); ms.Write(PngSig);
            Chunk(ms, "IHDR", Ihdr(w, h, 8, 3));
            var plte = new byte[216 * 3];
            for (int i = 0; i < 216; i++) { plte[3 * i] = (byte)(i / 36 * 51); plte[3 * i + 1] = (byte)(i / 6 % 6 * 51); plte[3 * i + 2] = (byte)(i % 6 * 51); }
            Chunk(ms, "PLTE", plte);
            var raw = new byte[h * (w + 1)];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    var p = src.GetPixel(x, y);
                    raw[y * (w + 1) + 1 + x] = (byte)((p.Red + 25) / 51 * 36 + (p.Green + 25) / 51 * 6 + (p.Blue + 25) / 51);
                }
            Chunk(ms, "IDAT", Zlib(raw)); Chunk(ms, "IEND", new byte[0]);
            return ms.ToArray();
        }

        /// <summary>A 16-bit-per-channel RGB (colour type 2, depth 16) PNG.</summary>
        public static byte[] Png16(SKBitmap src)
        {
            int w = src.Width, h = src.Height, stride = 1 + 6 * w;
            var ms = new MemoryStream(); ms.Write(PngSig);
            Chunk(ms, "IHDR", Ihdr(w, h, 16, 2));
            var raw = new byte[h * stride];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    var p = src.GetPixel(x, y); int o = y * stride + 1 + 6 * x;
                    // high byte the 8-bit value, low byte varying: a genuine 16-bit picture
                    raw[o] = p.Red; raw[o + 1] = (byte)(x * 7); raw[o + 2] = p.Green; raw[o + 3] = (byte)(y * 5); raw[o + 4] = p.Blue; raw[o + 5] = (byte)(x ^ y);
                }
            Chunk(ms, "IDAT", Zlib(raw)); Chunk(ms, "IEND", new byte[0]);
            return ms.ToArray();
        }

        /// <summary>A PNG whose IHDR (with a valid CRC) claims width x height; the data is one tiny IDAT.</summary>
        /// <summary>A binary Netpbm file of the bitmap: P5 (grey, 0.299/0.587/0.114 weights) or P6 (RGB), with a comment line in P5 as ORL's files have.</summary>
        public static byte[] Netpbm(SKBitmap src, bool grey)
        {
            int w = src.Width, h = src.Height;
            var header = System.Text.Encoding.ASCII.GetBytes(grey ? $"P5\n# ORL-style\n{w} {h}\n255\n" : $"P6 {w} {h} 255\n");
            var body = new byte[w * h * (grey ? 1 : 3)];
            var pixels = src.Pixels;
            for (int i = 0; i < pixels.Length; i++)
            {
                var c = pixels[i];
                if (grey) body[i] = (byte)Math.Round(0.299 * c.Red + 0.587 * c.Green + 0.114 * c.Blue);
                else { body[3 * i] = c.Red; body[3 * i + 1] = c.Green; body[3 * i + 2] = c.Blue; }
            }
            var all = new byte[header.Length + body.Length];
            header.CopyTo(all, 0);
            body.CopyTo(all, header.Length);
            return all;
        }

        public static byte[] PngHeader(int w, int h)
        {
            var ms = new MemoryStream(); ms.Write(PngSig);
            Chunk(ms, "IHDR", Ihdr(w, h, 8, 2)); Chunk(ms, "IDAT", Zlib(new byte[64])); Chunk(ms, "IEND", new byte[0]);
            return ms.ToArray();
        }

        /// <summary>Rewrites the width and height in the first SOF0/SOF2 segment of a JPEG.</summary>
        public static byte[] JpegWithSize(byte[] jpeg, int w, int h)
        {
            var b = (byte[])jpeg.Clone();
            int i = 2;
            while (i + 9 < b.Length)
            {
                if (b[i] != 0xFF) throw new InvalidDataException("not a marker at " + i);
                int m = b[i + 1], len = (b[i + 2] << 8) | b[i + 3];
                if (m == 0xC0 || m == 0xC1 || m == 0xC2) { b[i + 5] = (byte)(h >> 8); b[i + 6] = (byte)h; b[i + 7] = (byte)(w >> 8); b[i + 8] = (byte)w; return b; }
                i += 2 + len;
            }
            throw new InvalidDataException("no SOF segment");
        }

        // ---------- BMP: 24-bit, bottom-up ----------
        public static byte[] Bmp(SKBitmap src)
        {
            int w = src.Width, h = src.Height, stride = (w * 3 + 3) & ~3, size = 54 + stride * h;
            var b = new byte[size];
            b[0] = (byte)'B'; b[1] = (byte)'M'; LE(b, 2, size); LE(b, 10, 54); LE(b, 14, 40); LE(b, 18, w); LE(b, 22, h);
            b[26] = 1; b[28] = 24; LE(b, 34, stride * h);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    var p = src.GetPixel(x, h - 1 - y); int o = 54 + y * stride + 3 * x;
                    b[o] = p.Blue; b[o + 1] = p.Green; b[o + 2] = p.Red;
                }
            return b;
        }
        static void LE(byte[] b, int o, int v) { b[o] = (byte)v; b[o + 1] = (byte)(v >> 8); b[o + 2] = (byte)(v >> 16); b[o + 3] = (byte)(v >> 24); }

        // ---------- GIF: 6x6x6 palette, uncompressed LZW (a clear code before the table grows), several frames ----------
        public static byte[] Gif(params SKBitmap[] frames)
        {
            int w = frames[0].Width, h = frames[0].Height;
            var ms = new MemoryStream();
            foreach (var c in "GIF89a") ms.WriteByte((byte)c);
            ms.Write(new[] { (byte)w, (byte)(w >> 8), (byte)h, (byte)(h >> 8), (byte)0xF7, (byte)0, (byte)0 });
            for (int i = 0; i < 256; i++) { int j = Math.Min(i, 215); ms.Write(new[] { (byte)(j / 36 * 51), (byte)(j / 6 % 6 * 51), (byte)(j % 6 * 51) }); }
            foreach (var f in frames)
            {
                ms.Write(new byte[] { 0x21, 0xF9, 4, 0, 10, 0, 0, 0 }); // graphic control: 0.1 s
                ms.Write(new byte[] { 0x2C, 0, 0, 0, 0, (byte)w, (byte)(w >> 8), (byte)h, (byte)(h >> 8), 0 });
                ms.WriteByte(8);
                var data = new MemoryStream(); int acc = 0, nb = 0, run = 0;
                void Code(int c) { acc |= c << nb; nb += 9; while (nb >= 8) { data.WriteByte((byte)acc); acc >>= 8; nb -= 8; } }
                Code(256);
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                    {
                        if (run == 254) { Code(256); run = 0; }
                        var p = f.GetPixel(x, y);
                        Code((p.Red + 25) / 51 * 36 + (p.Green + 25) / 51 * 6 + (p.Blue + 25) / 51); run++;
                    }
                Code(257); if (nb > 0) data.WriteByte((byte)acc);
                var d = data.ToArray();
                for (int o = 0; o < d.Length; o += 255) { int n = Math.Min(255, d.Length - o); ms.WriteByte((byte)n); ms.Write(d, o, n); }
                ms.WriteByte(0);
            }
            ms.WriteByte(0x3B);
            return ms.ToArray();
        }
    }
}
