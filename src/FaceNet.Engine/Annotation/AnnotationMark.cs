using FaceNet.Engine.Geometry;
using SkiaSharp;

namespace FaceNet.Engine.Annotation;

/// <summary>
/// What to draw for one face: its box (upright source-image pixels, as Get-Face reports), the box colour,
/// an optional label drawn under the box, and optional landmark points.
/// </summary>
public sealed record AnnotationMark(FaceBox Box, SKColor Color, string? Label = null, IReadOnlyList<PointF2>? Points = null);
