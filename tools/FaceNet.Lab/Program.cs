using System.Globalization;

namespace FaceNet.Lab;

/// <summary>The lab's entry point: one tool for every offline measurement, dispatched by command words.</summary>
public static class Program
{
    private const string Usage = """
        FaceNet.Lab: offline measurements of the FaceNet engine (dotnet run -c Release --project tools/FaceNet.Lab -- ...).

          accuracy | detection | tight-crops | retry-strips | model-diff [options]
                    verification accuracy on LFW-format pairs, detector recall on dlib's detection set, tight face
                    crops of a dataset, the framed retry on face-free strips, model output drift (lab 'help verification')
          crowd [options]                      small faces in crowd canvases and the detection set (docs/detection.md)
          calibrate ensemble [options]         per-member mirroring/centring and ensemble weights (was Validation calibrate)
          calibrate similarity [options]       Similarity knots and false match rate tables, --write into models.json
          calibrate open-set [options]         Find-Face's identification threshold, stored in models.json
          recognition embed|identify|cluster|scale|all [options]
                                               identification and clustering on LFW View 1, and their speed at scale
          attributes --labels a.csv[,b.csv] [options]
                                               expression, gender and age of each attribute model and the peer's
                                               on labelled sets (per-class recall, balanced accuracy, MAE)
          adapt reference|measure [options]    Optimize-FaceGallery's training on Caltech and LFW galleries split by
                                               photo, before/after figures; the shipped reference set (README)
          benchmark stages|passes|upscale [options] [files]
                                               the speed benchmark's parts (build.ps1 -Task Benchmark drives them)

        Every command takes --name value options; each rejects options it does not know.
        """;

    public static int Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            if (args.Length > 1 && args[1] == "verification") VerificationCommands.Run(["help"]);
            return args.Length == 0 ? 2 : 0;
        }
        var rest = args.Skip(1).ToArray();
        try
        {
            return args[0].ToLowerInvariant() switch
            {
                "accuracy" or "detection" or "tight-crops" or "retry-strips" or "model-diff" => VerificationCommands.Run(args),
                "crowd" => CrowdCommand.Run(rest),
                "calibrate" => rest.FirstOrDefault() switch
                {
                    "ensemble" => VerificationCommands.Run(["calibrate", .. rest.Skip(1)]),
                    "similarity" => CalibrationCommand.Run(rest.Skip(1).ToArray()),
                    "open-set" => RecognitionCommand.Run(["calibrate", .. rest.Skip(1)]),
                    var k => throw new ArgumentException($"calibrate needs ensemble, similarity or open-set, not '{k}'.\n{Usage}"),
                },
                "recognition" => RecognitionCommand.Run(rest),
                "benchmark" => BenchmarkCommand.Run(rest),
                "attributes" => AttributesCommand.Run(rest),
                "adapt" => AdaptCommand.Run(rest),
                var c => throw new ArgumentException($"Unknown command '{c}'.\n{Usage}"),
            };
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 2;
        }
    }
}
