using System.Diagnostics;
using System.Management.Automation;

namespace FaceNet.PowerShell.Internal;

/// <summary>
/// Write-Progress for long work: nothing for the first half second (a one-photo call in a script loop does not
/// flicker a bar), then at most four records a second, so progress costs well under 1% of the work.
/// </summary>
internal sealed class ProgressReporter
{
    private readonly Cmdlet _cmdlet;
    private readonly string _activity;
    private readonly string _unit;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private static readonly long Interval = Stopwatch.Frequency / 4;
    private long _nextTicks = Stopwatch.Frequency / 2; // the first record after half a second of work
    private int _done;
    private bool _shown;

    public ProgressReporter(Cmdlet cmdlet, string activity, int activityId = 1, string unit = "images")
    {
        _cmdlet = cmdlet;
        _activity = activity;
        _unit = unit;
        ActivityId = activityId;
    }

    public int ActivityId { get; }
    /// <summary>Known total (wildcard expansion, collected input), or 0 for pipeline input of unknown length.</summary>
    public int Total { get; set; }
    /// <summary>Records written so far (for tests and diagnostics).</summary>
    public int Written { get; private set; }

    public void Step(string currentItem)
    {
        _done++;
        long now = _clock.ElapsedTicks;
        if (now < _nextTicks) return;
        _nextTicks = now + Interval;
        double rate = _done / Math.Max(_clock.Elapsed.TotalSeconds, 1e-3);
        var status = Total > 0 ? $"{_done} of {Total} {_unit}, {rate:0.0} {_unit}/s" : $"{_done} {_unit}, {rate:0.0} {_unit}/s";
        var record = new ProgressRecord(ActivityId, _activity, status) { CurrentOperation = currentItem };
        if (Total > 0) record.PercentComplete = Math.Min(100, _done * 100 / Total);
        _cmdlet.WriteProgress(record);
        Written++;
        _shown = true;
    }

    /// <summary>A record with a status of its own (a phase of the work, such as "Clustering 10,000 faces").</summary>
    public void Show(string status)
    {
        _cmdlet.WriteProgress(new ProgressRecord(ActivityId, _activity, status));
        Written++;
        _shown = true;
    }

    public void Complete()
    {
        if (!_shown) return;
        _cmdlet.WriteProgress(new ProgressRecord(ActivityId, _activity, "Done") { RecordType = ProgressRecordType.Completed });
    }
}
