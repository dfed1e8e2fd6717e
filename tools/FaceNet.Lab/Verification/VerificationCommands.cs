using System.Globalization;
using FaceNet.Engine.Pipeline;

namespace FaceNet.Lab;

public static class VerificationCommands
{
    private const string Usage = """
        FaceNet.Lab verification commands (see the lab's usage for the others).

          accuracy  [--dataset DIR] [--pairs FILE] [--model NAME] [--threshold T] [--train FILE]
                    LFW-format verification (View 1 or View 2 pairs files). Defaults: ../shared/data/lfw-view1, pairsDevTest.txt,
                    the manifest's default embedder and its shipped threshold.
          detection [--dataset DIR]
                    Detector recall on dlib's face-samples (testing.xml + training.xml). Default ../shared/data/face-samples/detection.
          calibrate [--dataset DIR] [--pairs pairsDevTrain.txt] [--test pairsDevTest.txt] [--models MobileFaceNet,Dlib[,...]] [--step 0.05]
                    Per-member mirroring/centring and ensemble weights (every weighting of two or more members in --step steps)/threshold search (chosen on --pairs, reported on --test).

          model-diff --baseline DIR [--dataset DIR] [--limit 300] [--photos DIR[,DIR]] [--baseline-denormals keep|flush]
                    How far this models folder moves model outputs and embeddings from another (for example the last
                    commit's: git archive HEAD models | tar -x -C /tmp/base, then --baseline /tmp/base/models), on real photos.

          tight-crops [--dataset DIR] [--out out/lfw-tight] [--width 92] [--height 112] [--margin 0] [--colour]
                    A copy of an LFW-layout dataset cut tightly to each detected face, scaled to 92x112 grey (ID-badge and
                    face-dataset crops), pairs files beside it: run accuracy with --dataset on it.
          retry-strips [--dataset ../shared/data/caltech-faces] [--every 1] [--save DIR]
                    Faces the framed retry finds where there is no whole face: the left and right quarters of each photo,
                    read by the default detector alone and with its retry.

        Common: --manifest PATH (default models/models.json of this repository), --workers N (default 2),
                --landmarks square|box (landmark crop: engine's square crop or the npm JS's stretched box), --limit N (first N images' pairs only; smoke tests).
        accuracy also takes --detector UltraFace|Mtcnn (default: the module's default detector; Mtcnn uses O-Net's five points).
        """;

    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help") { Console.WriteLine(Usage); return args.Length == 0 ? 2 : 0; }
        try
        {
            var cl = new CommandLine(args.Skip(1));
            return args[0].ToLowerInvariant() switch
            {
                "accuracy" => AccuracyCommand.Run(cl, Console.Out),
                "detection" => RunDetection(cl),
                "calibrate" => CalibrateCommand.Run(cl, Console.Out),
                "model-diff" => ModelDiffCommand.Run(cl, Console.Out),
                "tight-crops" => TightCropsCommand.Run(cl, Console.Out),
                "retry-strips" => RetryStripsCommand.Run(cl, Console.Out),
                var c => throw new ArgumentException($"Unknown command '{c}'.\n{Usage}"),
            };
        }
        catch (Exception ex) when (ex is ArgumentException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 2;
        }
    }

    private static int RunDetection(CommandLine cl)
    {
        var dataset = cl.Get("dataset", Path.Combine(CommandLine.SharedRoot(), "data", "face-samples", "detection"));
        var manifest = cl.LoadManifest();
        cl.RejectUnknown();
        Console.WriteLine($"dataset: {Path.GetFullPath(dataset)}");
        Console.WriteLine($"detector: {manifest.DefaultDetector}");
        return DetectionBenchmark.Run(dataset, new FaceAnalyzer(manifest), Console.Out);
    }
}
