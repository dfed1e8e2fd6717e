using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace FaceNet.PowerShell.Internal;

/// <summary>Tab completion of -Model from the shipped manifest.</summary>
public sealed class ModelNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        IEnumerable<string> names;
        try { names = ModelResolver.Shipped.Models.Where(m => m.IsEmbedder).Select(m => m.Name).ToList(); }
        catch { yield break; }
        foreach (var n in names)
            if (n.StartsWith(wordToComplete ?? "", StringComparison.OrdinalIgnoreCase))
                yield return new CompletionResult(n);
    }
}
