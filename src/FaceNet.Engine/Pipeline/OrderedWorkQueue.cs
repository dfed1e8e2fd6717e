namespace FaceNet.Engine.Pipeline;

/// <summary>
/// Runs work items on up to MaxParallel threads while results come back in submission order.
/// Bounded: at most MaxParallel * 8 items are in flight, so memory stays flat on any input size.
/// The caller drains results on its own thread (a PowerShell pipeline thread must write the output).
/// </summary>
public sealed class OrderedWorkQueue<TResult> : IDisposable
{
    private readonly Queue<Task<TResult>> _pending = new();
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _cancel = new();

    public OrderedWorkQueue(int maxParallel)
    {
        if (maxParallel < 1) throw new ArgumentOutOfRangeException(nameof(maxParallel));
        MaxParallel = maxParallel;
        _slots = new SemaphoreSlim(maxParallel, maxParallel);
    }

    public int MaxParallel { get; }
    public CancellationToken Token => _cancel.Token;
    public int Pending => _pending.Count;

    /// <summary>Queues work. With one worker it runs inline, keeping single-threaded runs simple to debug.</summary>
    public void Submit(Func<CancellationToken, TResult> work)
    {
        if (MaxParallel == 1)
        {
            _pending.Enqueue(Task.FromResult(work(_cancel.Token)));
            return;
        }
        _pending.Enqueue(Task.Run(async () =>
        {
            await _slots.WaitAsync(_cancel.Token).ConfigureAwait(false);
            try { return work(_cancel.Token); }
            finally { _slots.Release(); }
        }, _cancel.Token));
    }

    /// <summary>
    /// Yields finished results in order. Blocks for the oldest item only while more than the window is queued
    /// (or always, when final is true), so the producer never runs far ahead.
    /// </summary>
    public IEnumerable<TResult> Drain(bool final)
    {
        // A wide window: one slow photo at the head (many faces) must not leave the other workers idle.
        int window = MaxParallel * 8;
        while (_pending.Count > 0)
        {
            var head = _pending.Peek();
            if (!head.IsCompleted && !final && _pending.Count <= window) yield break;
            _pending.Dequeue();
            yield return head.GetAwaiter().GetResult();
        }
    }

    /// <summary>Ctrl+C: stops waiting work; running items finish their current image.</summary>
    public void Cancel() => _cancel.Cancel();

    public void Dispose()
    {
        _cancel.Cancel();
        foreach (var t in _pending)
        {
            try { t.Wait(); } catch { /* cancelled or failed work is abandoned on dispose */ }
        }
        _pending.Clear();
        _slots.Dispose();
        _cancel.Dispose();
    }
}
