using System.Management.Automation;

namespace FaceNet.PowerShell.Internal;

/// <summary>One pipeline value, bound: its kind and the object or path it stands for.</summary>
internal readonly record struct BoundInput(InputKind Kind, object Original, FaceEmbedding? Embedding = null, Face? Face = null, string? Path = null)
{
    /// <summary>The value's type as a user would name it (for "cannot take a ..." messages).</summary>
    public string TypeName => Original is PSObject p ? p.TypeNames.FirstOrDefault() ?? "object" : Original.GetType().FullName ?? "object";
}
