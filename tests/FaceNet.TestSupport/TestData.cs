namespace FaceNet.TestSupport;

/// <summary>Locates the repository and the photos the build fetches for the tests (tests/.data).</summary>
public static class TestData
{
    public static string RepoRoot { get; } = FindRepoRoot();

    private static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "FaceNet.sln"))) return d.FullName;
        throw new InvalidOperationException("FaceNet.sln not found above " + AppContext.BaseDirectory);
    }

    public static string ModelsDir => Path.Combine(RepoRoot, "models");

    /// <summary>face-api 1.7.15's demo photos, fetched and checked by ./build.ps1 -Task TestData.</summary>
    public static string Sample(int n)
    {
        var path = Path.Combine(RepoRoot, "tests", ".data", "face-api-1.7.15", "demo", $"sample{n}.jpg");
        if (!File.Exists(path))
            throw new FileNotFoundException($"Test photo '{path}' is missing. Run './build.ps1 -Task TestData' (needs npm) to fetch it.");
        return path;
    }
}
