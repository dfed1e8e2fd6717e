using System.Runtime.ExceptionServices;

namespace FaceNet.Engine.Pipeline;

/// <summary>
/// Runs work items on up to MaxParallel threads while results come back in submission order.
/// Bounded: the caller drains while more than MaxParallel * 8 items are in flight, so memory stays flat on any input size.
/// The caller drains results on its own thread (a PowerShell pipeline thread must write the output).
/// Workers are plain threads taking items from one locked queue: with Task.Run, an async semaphore and
/// continuations per photo, a 300-photo run spent a noticeable share of its two cores compiling and
/// running that machinery (tiered JIT of Task/async code, thread-pool hill climbing).
/// </summary>
public sealed class OrderedWorkQueue<TResult> : IDisposable
{
    private sealed class Item(Func<CancellationToken, TResult> work)
    {
        public readonly Func<CancellationToken, TResult> Work = work;
        public TResult? Result;
        public ExceptionDispatchInfo? Error;
        public bool Done;
    }

    /// <summary>A worker with nothing to do for this long exits; Submit starts another when needed.</summary>
    private static readonly TimeSpan IdleExit = TimeSpan.FromSeconds(2);

    private readonly object _gate = new();
    private readonly Queue<Item> _pending = new();  // every item, in submission order (drained by the caller)
    private readonly Queue<Item> _waiting = new();  // items no worker has taken yet
    private readonly List<Thread> _threads = new();
    private readonly CancellationTokenSource _cancel = new();
    private int _workers;  // started and not yet exited
    private int _running;  // items in a worker's hands
    private bool _closed;

    public OrderedWorkQueue(int maxParallel)
    {
        if (maxParallel < 1) throw new ArgumentOutOfRangeException(nameof(maxParallel));
        MaxParallel = maxParallel;
    }

    public int MaxParallel { get; }
    public CancellationToken Token => _cancel.Token;
    public int Pending => _pending.Count;

    /// <summary>Queues work. With one worker it runs inline, keeping single-threaded runs simple to debug.</summary>
    public void Submit(Func<CancellationToken, TResult> work)
    {
        var item = new Item(work);
        if (MaxParallel == 1)
        {
            item.Result = work(_cancel.Token);
            item.Done = true;
            _pending.Enqueue(item);
            return;
        }
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            _pending.Enqueue(item);
            _waiting.Enqueue(item);
            if (_workers < MaxParallel && _workers < _waiting.Count + _running)
            {
                _workers++;
                var thread = new Thread(WorkerLoop) { IsBackground = true, Name = "FaceNet worker" };
                _threads.RemoveAll(t => !t.IsAlive);
                _threads.Add(thread);
                thread.Start();
            }
            else Monitor.PulseAll(_gate);
        }
    }

    private void WorkerLoop()
    {
        while (true)
        {
            Item item;
            lock (_gate)
            {
                while (_waiting.Count == 0)
                {
                    if (_closed || !Monitor.Wait(_gate, IdleExit) && _waiting.Count == 0)
                    {
                        _workers--;
                        return;
                    }
                }
                item = _waiting.Dequeue();
                _running++;
            }
            TResult? result = default;
            ExceptionDispatchInfo? error = null;
            try
            {
                // Cancelled before it started: the item reports cancellation without running.
                _cancel.Token.ThrowIfCancellationRequested();
                result = item.Work(_cancel.Token);
            }
            catch (Exception ex)
            {
                error = ExceptionDispatchInfo.Capture(ex);
            }
            lock (_gate)
            {
                item.Result = result;
                item.Error = error;
                item.Done = true;
                _running--;
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>
    /// Yields finished results in order. Blocks for the oldest item only while more than the window is queued
    /// (or always, when final is true), so the producer never runs far ahead. A failed item's exception is
    /// rethrown here, in its turn.
    /// </summary>
    public IEnumerable<TResult> Drain(bool final)
    {
        // A wide window: one slow photo at the head (many faces) must not leave the other workers idle.
        int window = MaxParallel * 8;
        while (_pending.Count > 0)
        {
            var head = _pending.Peek();
            lock (_gate)
            {
                if (!head.Done && !final && _pending.Count <= window) yield break;
                while (!head.Done) Monitor.Wait(_gate);
            }
            _pending.Dequeue();
            head.Error?.Throw();
            yield return head.Result!;
        }
    }

    /// <summary>Ctrl+C: stops waiting work; running items finish their current image.</summary>
    public void Cancel() => _cancel.Cancel();

    public void Dispose()
    {
        Thread[] threads;
        lock (_gate)
        {
            if (_closed) return;
            _cancel.Cancel();
            // Items nobody has started are abandoned; workers finish the one in hand and exit.
            _waiting.Clear();
            _closed = true;
            Monitor.PulseAll(_gate);
            threads = _threads.ToArray();
        }
        foreach (var t in threads) t.Join();
        _pending.Clear();
        _cancel.Dispose();
    }
}
