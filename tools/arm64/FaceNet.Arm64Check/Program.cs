using System.Runtime.InteropServices;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;
using FaceNet.Engine.Platform;
using Microsoft.Data.Sqlite;
using Microsoft.ML.OnnxRuntime;

// Usage: FaceNet.Arm64Check <module folder> <photo>
// Loads ONNX Runtime, SkiaSharp and SQLite from the module's runtimes/<rid>/native through the module's own resolver
// (Invoke-Arm64Check.ps1 deletes the copies publish put beside this program), then finds and embeds faces.
if (args.Length != 2) { Console.Error.WriteLine("usage: FaceNet.Arm64Check <module folder> <photo>"); return 2; }
string module = Path.GetFullPath(args[0]);
NativeLibraryResolver.Register(module);
Environment.SetEnvironmentVariable("FACENET_MODELS", Path.Combine(module, "models"));

Console.WriteLine($"process: {RuntimeInformation.RuntimeIdentifier} ({RuntimeInformation.ProcessArchitecture}), .NET {Environment.Version}, {RuntimeInformation.OSDescription}");
Console.WriteLine($"denormal flush: {(DenormalFlush.IsSupported ? "supported" : "not supported")}");
Console.WriteLine($"onnxruntime: {OrtEnv.Instance().GetVersionString()}");

using (var db = new SqliteConnection("Data Source=:memory:"))
{
    db.Open();
    using var cmd = db.CreateCommand();
    cmd.CommandText = "select sqlite_version()";
    Console.WriteLine($"e_sqlite3: SQLite {cmd.ExecuteScalar()}");
}

var watch = System.Diagnostics.Stopwatch.StartNew();
var analyzer = FaceAnalyzer.Default;
using var image = analyzer.Load(args[1]);
var faces = analyzer.Detect(image);
Console.WriteLine($"SkiaSharp decoded {image.Width}x{image.Height}; {faces.Count} faces found ({watch.Elapsed.TotalSeconds:N1} s)");
var vectors = analyzer.Embed(image, faces);
for (int i = 0; i < faces.Count; i++)
{
    var b = faces[i].Box;
    Console.WriteLine($"face {i}: box {b.X:N0},{b.Y:N0} {b.Width:N0}x{b.Height:N0}, confidence {faces[i].Confidence:N3}, embedding {vectors[i].Length}-d, first values {string.Join(", ", vectors[i].Take(3).Select(v => v.ToString("N4")))}");
}
Console.WriteLine($"done in {watch.Elapsed.TotalSeconds:N1} s");
return faces.Count > 0 ? 0 : 1;
