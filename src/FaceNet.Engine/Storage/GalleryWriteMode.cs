namespace FaceNet.Engine.Storage;

/// <summary>How an enrolment treats an existing gallery file.</summary>
public enum GalleryWriteMode
{
    /// <summary>A new file: there must be none yet.</summary>
    Create,
    /// <summary>Adds to an existing file (or creates it); photos unchanged since they entered it are skipped.</summary>
    Append,
    /// <summary>Writes a new gallery beside the old one and moves it into place at the end, so a failed run keeps the old.</summary>
    Replace,
}
