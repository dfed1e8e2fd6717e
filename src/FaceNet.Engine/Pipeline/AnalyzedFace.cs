using FaceNet.Engine.Geometry;
using FaceNet.Engine.Landmarks;

namespace FaceNet.Engine.Pipeline;

/// <summary>A detected face with its landmarks, in upright-image pixels. Index is the detection rank (0 = most confident).</summary>
public sealed record AnalyzedFace(int Index, FaceBox Box, float Confidence, FaceLandmarks Landmarks);
