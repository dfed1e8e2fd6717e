using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace FaceNet.Engine.Storage;

/// <summary>What a shared gallery keys photos by: the SHA-256 of the file's bytes, or of the vectors and labels of embeddings without a file.</summary>
public static class GalleryContentHash
{
    public static byte[] OfFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
        return SHA256.HashData(stream);
    }

    public static byte[] OfFaces(IReadOnlyList<GalleryEntry> faces)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var f in faces)
        {
            hash.AppendData(MemoryMarshal.AsBytes(f.Vector.AsSpan()));
            hash.AppendData(Encoding.UTF8.GetBytes((f.Label ?? "") + "\0"));
        }
        return hash.GetHashAndReset();
    }
}
