using System.Globalization;
using System.Management.Automation;

namespace FaceNet.PowerShell.Internal;

/// <summary>
/// Lets -Start and -Duration take seconds (90, 1.5, '90') as well as TimeSpans ('00:01:30', (New-TimeSpan -Minutes 1)):
/// plain PowerShell conversion would read 90 as 90 ticks.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class VideoTimeTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var value = inputData is PSObject p ? p.BaseObject : inputData;
        switch (value)
        {
            case TimeSpan: return value;
            case int or long or short or byte or double or float or decimal:
                return TimeSpan.FromSeconds(Convert.ToDouble(value, CultureInfo.InvariantCulture));
            case string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds):
                return TimeSpan.FromSeconds(seconds);
            // m:ss(.fff), as players and this module show positions (TimeSpan would read '1:30' as an hour and a half).
            case string s when System.Text.RegularExpressions.Regex.Match(s.Trim(), @"^(\d+):(\d{1,2}(?:\.\d+)?)$") is { Success: true } m:
                return TimeSpan.FromMinutes(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
                     + TimeSpan.FromSeconds(double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
            case string s when TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out var t):
                return t;
            default:
                throw new ArgumentTransformationMetadataException($"'{inputData}' is not a time: give seconds (90, 1.5) or a TimeSpan ('1:30.5' as minutes:seconds, '00:01:30').");
        }
    }
}
