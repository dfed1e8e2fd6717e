using System.Management.Automation;
using FaceNet.Engine.Storage;
using FaceNet.Engine.Storage.Postgres;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Models;

namespace FaceNet.PowerShell.Internal;

/// <summary>Stable ErrorIds: scripts and tests match on these, so they never change.</summary>
internal static class ErrorIds
{
    public const string FileNotFound = "FileNotFound";
    public const string FileUnreadable = "FileUnreadable";
    public const string EmptyFile = "EmptyFile";
    public const string NotAnImage = "NotAnImage";
    public const string UnsupportedImageFormat = "UnsupportedImageFormat";
    public const string ImageTooLarge = "ImageTooLarge";
    public const string ImageCorrupt = "ImageCorrupt";
    /// <summary>A video, and ffmpeg (which decodes videos) is not installed.</summary>
    public const string FFmpegNotFound = "FFmpegNotFound";
    /// <summary>A command that reads only videos (Get-FaceTrack) was given a photo or another file.</summary>
    public const string NotAVideo = "NotAVideo";
    /// <summary>A video no frame of which could be decoded (a cut-short or damaged file that still gives frames is a warning).</summary>
    public const string VideoCorrupt = "VideoCorrupt";
    public const string ModelLoadFailed = "ModelLoadFailed";
    public const string UnknownModel = "UnknownModel";
    public const string FaceProcessingFailed = "FaceProcessingFailed";
    // Export-FaceAnnotation
    public const string DestinationNotFound = "DestinationNotFound";
    public const string UnsupportedOutputFormat = "UnsupportedOutputFormat";
    public const string UnsupportedInputObject = "UnsupportedInputObject";
    public const string MoreThanOneImage = "MoreThanOneImage";
    public const string DestinationIsSource = "DestinationIsSource";
    public const string FileExists = "FileExists";
    public const string WriteFailed = "WriteFailed";
    // Compare-Face, Test-FaceMatch, Find-Face
    public const string FaceNotFound = "FaceNotFound";
    public const string ModelMismatch = "ModelMismatch";
    public const string FalseMatchRateTooLow = "FalseMatchRateTooLow";
    public const string FalseMatchRateUncalibrated = "FalseMatchRateUncalibrated";
    /// <summary>Both -Threshold and -FalseMatchRate were given.</summary>
    public const string ConflictingThresholds = "ConflictingThresholds";
    /// <summary>-Time and -Frame both given, or a -Time before the start (Export-FaceAnnotation).</summary>
    public const string InvalidFramePosition = "InvalidFramePosition";
    // Galleries, Find-Face, Group-Face
    /// <summary>Export-FaceGallery without -Append or -Force on an existing file.</summary>
    public const string GalleryExists = "GalleryExists";
    /// <summary>Embeddings of another model (or length) than the gallery's.</summary>
    public const string GalleryModelMismatch = "GalleryModelMismatch";
    /// <summary>The file is not a FaceNet gallery, or is damaged.</summary>
    public const string NotAGallery = "NotAGallery";
    /// <summary>Find-Face -Gallery holds no embeddings.</summary>
    public const string EmptyGallery = "EmptyGallery";
    public const string GalleryWriteFailed = "GalleryWriteFailed";
    /// <summary>Export-FaceGallery -Path names a file in a folder that does not exist.</summary>
    public const string GalleryFolderNotFound = "GalleryFolderNotFound";
    /// <summary>The gallery (file or database) was written by a newer FaceNet, whose schema this module cannot read.</summary>
    public const string GallerySchemaTooNew = "GallerySchemaTooNew";
    // Optimize-FaceGallery
    /// <summary>Fewer labelled people, or faces per person, than an adaptation needs (GalleryOptimizer.MinPeople, MinFacesPerPerson).</summary>
    public const string TooFewLabelledFaces = "TooFewLabelledFaces";
    /// <summary>No reference set ships for the gallery's model (or it was calibrated on another version of it), so it cannot be adapted.</summary>
    public const string AdaptationNotSupported = "AdaptationNotSupported";
    // Shared (PostgreSQL) galleries: every message names the database without its password.
    /// <summary>-ConnectionString cannot be parsed, or names no server.</summary>
    public const string InvalidConnectionString = "InvalidConnectionString";
    /// <summary>The server cannot be reached, or the database does not exist.</summary>
    public const string GalleryConnectionFailed = "GalleryConnectionFailed";
    /// <summary>The server refused the login (user name or password).</summary>
    public const string GalleryAuthenticationFailed = "GalleryAuthenticationFailed";
    /// <summary>The user may not create, read or write the gallery's tables.</summary>
    public const string GalleryAccessDenied = "GalleryAccessDenied";

    /// <summary>A shared gallery's failure as an ErrorRecord; the target is the gallery without its password.</summary>
    public static ErrorRecord ForGallery(GalleryConnectionException ex)
    {
        var (id, category) = ex.Failure switch
        {
            GalleryConnectionFailure.InvalidConnectionString => (InvalidConnectionString, ErrorCategory.InvalidArgument),
            GalleryConnectionFailure.Unreachable => (GalleryConnectionFailed, ErrorCategory.ConnectionError),
            GalleryConnectionFailure.Authentication => (GalleryAuthenticationFailed, ErrorCategory.AuthenticationError),
            GalleryConnectionFailure.PermissionDenied => (GalleryAccessDenied, ErrorCategory.PermissionDenied),
            _ => (GalleryWriteFailed, ErrorCategory.WriteError),
        };
        return new ErrorRecord(ex, id, category, ex.Gallery);
    }

    /// <summary>Not a gallery, or one from a newer FaceNet (GallerySchemaTooNew).</summary>
    public static ErrorRecord ForGallery(GalleryFormatException ex, object target) =>
        ex.NewerSchema
            ? new ErrorRecord(ex, GallerySchemaTooNew, ErrorCategory.InvalidData, target)
            : new ErrorRecord(ex, NotAGallery, ErrorCategory.InvalidData, target);

    public static ErrorRecord ForImage(ImageLoadException ex)
    {
        var (id, category) = ex.Failure switch
        {
            ImageLoadFailure.NotFound => (FileNotFound, ErrorCategory.ObjectNotFound),
            ImageLoadFailure.Unreadable => (FileUnreadable, ErrorCategory.ReadError),
            ImageLoadFailure.EmptyFile => (EmptyFile, ErrorCategory.InvalidData),
            ImageLoadFailure.NotAnImage => (NotAnImage, ErrorCategory.InvalidData),
            ImageLoadFailure.UnsupportedFormat => (UnsupportedImageFormat, ErrorCategory.NotImplemented),
            ImageLoadFailure.TooLarge => (ImageTooLarge, ErrorCategory.LimitsExceeded),
            ImageLoadFailure.ToolMissing => (FFmpegNotFound, ErrorCategory.NotInstalled),
            ImageLoadFailure.VideoCorrupt => (VideoCorrupt, ErrorCategory.InvalidData),
            _ => (ImageCorrupt, ErrorCategory.InvalidData),
        };
        return new ErrorRecord(ex, id, category, ex.Path);
    }

    public static ErrorRecord ForModel(ModelLoadException ex) =>
        new(ex, ModelLoadFailed, ErrorCategory.ResourceUnavailable, ex.ModelPath);
}
