namespace FaceNet.Engine.Attributes;

/// <summary>What Get-FaceAttribute is asked to estimate; only the models that give these run.</summary>
[Flags]
public enum FaceAttributeKinds
{
    None = 0,
    Expression = 1,
    Age = 2,
    Gender = 4,
    All = Expression | Age | Gender,
}
