using FaceNet.Engine.Pipeline;
using Xunit;

namespace FaceNet.Engine.Tests;

/// <summary>The cmdlets' worker queue: input order out, bounded parallelism, failures in their turn, Ctrl+C.</summary>
public class OrderedWorkQueueTests
{
    [Fact]
    public void Results_come_back_in_submission_order_whatever_finishes_first()
    {
        using var queue = new OrderedWorkQueue<int>(3);
        var rnd = new Random(5);
        var results = new List<int>();
        for (int i = 0; i < 60; i++)
        {
            int n = i, delay = rnd.Next(0, 8);
            queue.Submit(_ => { Thread.Sleep(delay); return n; });
            results.AddRange(queue.Drain(final: false));
        }
        results.AddRange(queue.Drain(final: true));
        Assert.Equal(Enumerable.Range(0, 60), results);
        Assert.Equal(0, queue.Pending);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Never_runs_more_items_at_once_than_MaxParallel(int maxParallel)
    {
        using var queue = new OrderedWorkQueue<int>(maxParallel);
        int running = 0, most = 0;
        for (int i = 0; i < 40; i++)
        {
            queue.Submit(_ =>
            {
                int now = Interlocked.Increment(ref running);
                InterlockedMax(ref most, now);
                Thread.Sleep(2);
                Interlocked.Decrement(ref running);
                return 0;
            });
        }
        Assert.Equal(40, queue.Drain(final: true).Count());
        Assert.InRange(most, 1, maxParallel);
        if (maxParallel > 1) Assert.True(most > 1, "the work never ran in parallel");
    }

    [Fact]
    public void Drain_without_final_waits_only_when_more_than_the_window_is_in_flight()
    {
        using var queue = new OrderedWorkQueue<int>(2);
        using var gate = new ManualResetEventSlim();
        for (int i = 0; i < 16; i++) queue.Submit(_ => { gate.Wait(); return 1; });
        // 16 items = the window (2 x 8): nothing is finished, so nothing comes back and the call does not block.
        Assert.Empty(queue.Drain(final: false));
        Assert.Equal(16, queue.Pending);
        gate.Set();
        Assert.Equal(16, queue.Drain(final: true).Sum());
    }

    [Fact]
    public void A_failed_item_throws_its_own_exception_in_its_turn()
    {
        using var queue = new OrderedWorkQueue<int>(2);
        queue.Submit(_ => 1);
        queue.Submit(_ => throw new InvalidDataException("item two"));
        queue.Submit(_ => 3);
        using var results = queue.Drain(final: true).GetEnumerator();
        Assert.True(results.MoveNext());
        Assert.Equal(1, results.Current);
        var ex = Assert.Throws<InvalidDataException>(() => results.MoveNext());
        Assert.Equal("item two", ex.Message);
        Assert.Equal(new[] { 3 }, queue.Drain(final: true));
    }

    [Fact]
    public void Cancel_lets_running_items_finish_and_stops_waiting_ones()
    {
        var queue = new OrderedWorkQueue<int>(2);
        using var started = new CountdownEvent(2);
        using var release = new ManualResetEventSlim();
        int ran = 0;
        for (int i = 0; i < 10; i++)
            queue.Submit(_ => { Interlocked.Increment(ref ran); started.Signal(); release.Wait(); return 1; });
        Assert.True(started.Wait(TimeSpan.FromSeconds(10)), "two workers never started");
        queue.Cancel();
        release.Set();
        using var results = queue.Drain(final: true).GetEnumerator();
        Assert.True(results.MoveNext());
        Assert.True(results.MoveNext());
        Assert.ThrowsAny<OperationCanceledException>(() => results.MoveNext());
        queue.Dispose();
        Assert.Equal(2, ran);
    }

    [Fact]
    public void Workers_that_went_idle_come_back_for_new_work()
    {
        using var queue = new OrderedWorkQueue<int>(2);
        queue.Submit(_ => 1);
        Assert.Equal(new[] { 1 }, queue.Drain(final: true));
        Thread.Sleep(TimeSpan.FromSeconds(2.5)); // past the idle exit
        queue.Submit(_ => 2);
        queue.Submit(_ => 3);
        Assert.Equal(new[] { 2, 3 }, queue.Drain(final: true));
    }

    [Fact]
    public void Dispose_waits_for_the_items_in_hand()
    {
        var queue = new OrderedWorkQueue<int>(2);
        int finished = 0;
        using var started = new ManualResetEventSlim();
        queue.Submit(_ => { started.Set(); Thread.Sleep(200); Interlocked.Increment(ref finished); return 0; });
        Assert.True(started.Wait(TimeSpan.FromSeconds(10)));
        queue.Dispose();
        Assert.Equal(1, finished);
        Assert.Throws<ObjectDisposedException>(() => queue.Submit(_ => 0));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }
}
