using System.Diagnostics;
using System.Management.Automation;

namespace FaceNet.PowerShell.Internal;

/// <summary>Write-Progress at most a few times a second, so progress costs well under 1% of the work.</summary>
internal sealed class ProgressReporter
{
    private readonly Cmdlet _cmdlet;
    private readonly string _activity;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastTicks = long.MinValue;
    private int _done;
    private bool _shown;

    public ProgressReporter(Cmdlet cmdlet, string activity, int activityId = 1)
    {
        _cmdlet = cmdlet;
        _activity = activity;
        ActivityId = activityId;
    }

    public int ActivityId { get; }
    /// <summary>Known total (wildcard expansion), or 0 for pipeline input of unknown length.</summary>
    public int Total { get; set; }

    public void Step(string currentItem)
    {
        _done++;
        long now = _clock.ElapsedTicks;
        if (now - _lastTicks < Stopwatch.Frequency / 4) return;
        _lastTicks = now;
        double rate = _done / System.Math.Max(_clock.Elapsed.TotalSeconds, 1e-3);
        var status = Total > 0 ? $"{_done} of {Total} images, {rate:0.0} images/s" : $"{_done} images, {rate:0.0} images/s";
        var record = new ProgressRecord(ActivityId, _activity, status) { CurrentOperation = currentItem };
        if (Total > 0) record.PercentComplete = System.Math.Min(100, _done * 100 / Total);
        _cmdlet.WriteProgress(record);
        _shown = true;
    }

    public void Complete()
    {
        if (!_shown) return;
        _cmdlet.WriteProgress(new ProgressRecord(ActivityId, _activity, "Done") { RecordType = ProgressRecordType.Completed });
    }
}
