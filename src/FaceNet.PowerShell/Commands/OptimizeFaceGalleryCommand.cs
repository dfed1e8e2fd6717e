using System.Management.Automation;
using FaceNet.Engine.Adaptation;
using FaceNet.Engine.Storage;
using FaceNet.Engine.Storage.Postgres;
using FaceNet.Engine.Verification;
using FaceNet.PowerShell.Internal;

namespace FaceNet.PowerShell.Commands;

/// <summary>
/// Learns a gallery's own space from its labelled faces (a linear projection trained with a batch-hard triplet loss),
/// measures it on held-out photos, calibrates its thresholds for people not in the gallery on the shipped reference
/// set, and stores it in the gallery (a file, or a PostgreSQL gallery). Find-Face -Gallery, and Compare-Face and
/// Test-FaceMatch -Gallery, then compare in that space. No photo is read: the stored embeddings are learned from.
/// </summary>
[Cmdlet(VerbsCommon.Optimize, "FaceGallery", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FaceGalleryAdaptation))]
public sealed class OptimizeFaceGalleryCommand : GalleryPathCmdletBase
{
    protected override void ProcessRecord()
    {
        if (IsShared)
        {
            try
            {
                var target = SharedTarget();
                if (!ShouldProcess(target.Display, "Learn and store the gallery's adaptation")) return;
                using var store = PostgresGallery.Open(target, create: false);
                Optimize(store, target.Display);
            }
            catch (GalleryConnectionException ex) { WriteError(ErrorIds.ForGallery(ex)); }
            catch (GalleryFormatException ex) { WriteError(ErrorIds.ForGallery(ex, ex.Path)); }
            return;
        }
        foreach (var (file, error) in SelectedPaths())
        {
            if (error is not null) { WritePathError(error); continue; }
            if (!ShouldProcess(file, "Learn and store the gallery's adaptation")) continue;
            try
            {
                if (!File.Exists(file)) throw new FileNotFoundException($"Cannot find the gallery '{file}'.", file);
                using var store = GalleryFile.Open(file, writable: true);
                Optimize(store, file);
            }
            catch (FileNotFoundException ex) { WriteError(new ErrorRecord(ex, ErrorIds.FileNotFound, ErrorCategory.ObjectNotFound, file)); }
            catch (GalleryFormatException ex) { WriteError(ErrorIds.ForGallery(ex, file)); }
        }
    }

    private void Optimize(IGalleryStore store, string name)
    {
        var manifest = ModelResolver.Shipped;
        string model = store.Model ?? "";
        if (!manifest.TryGet(model, out var descriptor) || ReferenceFor(manifest, model, CalibrationFingerprint.Of(manifest, descriptor)) is not { } reference)
        {
            var supported = string.Join(", ", manifest.AdaptationReferences.Select(r => r.Model));
            WriteError(new ErrorRecord(new AdaptationException(AdaptationProblem.ModelNotSupported,
                    $"The gallery '{name}' holds embeddings of model '{(model.Length > 0 ? model : "(none yet)")}'; galleries can be adapted for {supported} only, " +
                    "whose shipped reference set calibrates the adapted thresholds. Enrol the gallery with the default model."),
                ErrorIds.AdaptationNotSupported, ErrorCategory.InvalidData, name));
            return;
        }
        var progress = new ProgressReporter(this, $"Optimizing the gallery {GalleryName.Short(name)}");
        progress.Show("Reading the gallery's faces");
        var faces = store.ReadEntries().Where(e => !string.IsNullOrEmpty(e.Label)).Select(e => new LabelledVector(e.Label!, e.Vector)).ToList();
        try
        {
            GalleryOptimizer.CheckEnough(faces);
        }
        catch (AdaptationException ex)
        {
            progress.Complete();
            WriteError(new ErrorRecord(ex, ErrorIds.TooFewLabelledFaces, ErrorCategory.InvalidData, name));
            return;
        }
        GalleryAdaptation adaptation;
        try { adaptation = GalleryOptimizer.Optimize(faces, manifest, model, reference, progress: progress.Show, cancel: _stop.Token); }
        catch (OperationCanceledException) { throw new PipelineStoppedException(); }
        progress.Show("Storing the adaptation");
        store.WriteAdaptation(adaptation);
        progress.Complete();
        var result = new FaceGalleryAdaptation(name, adaptation);
        WriteVerbose(result.ToString());
        WriteObject(result);
    }

    private ReferenceImpostors? ReferenceFor(Engine.Models.ModelManifest manifest, string model, string fingerprint)
    {
        try
        {
            var r = ReferenceImpostors.For(manifest, model);
            return r is not null && r.Description.Fingerprint == fingerprint ? r : null;
        }
        catch (InvalidDataException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.ModelLoadFailed, ErrorCategory.ResourceUnavailable, model));
            return null;
        }
    }

    // Ctrl+C ends the training between steps.
    private readonly CancellationTokenSource _stop = new();
    protected override void StopProcessing()
    {
        _stop.Cancel();
        base.StopProcessing();
    }
}
