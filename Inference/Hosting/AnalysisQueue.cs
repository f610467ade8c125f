namespace Ootd.Inference.Hosting;

/// <summary>
/// Turns for photo analyses on one silo: at most <see cref="Capacity"/> photos are analysed at once; the others wait
/// in order of their <c>order</c> key (smaller first: interactive analyses use <see cref="Interactive"/>, a post its
/// publish time, so a backlog drains oldest first), ties in order of arrival. A waiting request holds no photo, only
/// its place. A turn's running-time limit (<see cref="AnalysisTurn.Running"/>) starts when the turn is given, so time
/// spent waiting never makes an analysis time out. Thread-safe; a plain class (the model host owns one).
/// </summary>
public sealed class AnalysisQueue
{
    /// <summary>The order key of analyses someone is waiting for (the analyse and search-by-photo requests).</summary>
    public const long Interactive = long.MinValue;

    private readonly object _gate = new();
    private readonly PriorityQueue<Waiter, (long Order, long Arrival)> _waiting = new();
    private readonly TimeProvider _time;
    private long _arrivals;
    private int _running;
    private int _peakRunning;
    private long _given;

    public AnalysisQueue(int capacity, TimeSpan runningLimit, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        if (runningLimit <= TimeSpan.Zero && runningLimit != Timeout.InfiniteTimeSpan) throw new ArgumentOutOfRangeException(nameof(runningLimit));
        Capacity = capacity;
        RunningLimit = runningLimit;
        _time = time ?? TimeProvider.System;
    }

    public int Capacity { get; }
    public TimeSpan RunningLimit { get; }

    /// <summary>Turns held now.</summary>
    public int Running { get { lock (_gate) return _running; } }

    /// <summary>The most turns ever held at once.</summary>
    public int PeakRunning { get { lock (_gate) return _peakRunning; } }

    /// <summary>Requests waiting for a turn now (including ones that gave up and are not yet skipped).</summary>
    public int Waiting { get { lock (_gate) return _waiting.Count; } }

    /// <summary>Turns given so far.</summary>
    public long Given => Interlocked.Read(ref _given);

    /// <summary>Resets <see cref="PeakRunning"/> to the turns held now (benchmarks, between phases).</summary>
    public void ResetPeak() { lock (_gate) _peakRunning = _running; }

    /// <summary>
    /// Waits for a turn: null when <paramref name="maxWait"/> passed first (the request leaves the queue), an
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellation"/> fires first. Dispose the turn when
    /// the analysis is over.
    /// </summary>
    public async Task<AnalysisTurn?> WaitTurnAsync(long order, TimeSpan maxWait, CancellationToken cancellation = default)
    {
        cancellation.ThrowIfCancellationRequested();
        Waiter waiter;
        lock (_gate)
        {
            while (_waiting.TryPeek(out var first, out _) && first.Turn.Task.IsCompleted) _waiting.Dequeue();   // gave up
            if (_running < Capacity && _waiting.Count == 0)
            {
                Take();
                return new AnalysisTurn(this);
            }
            waiter = new Waiter();
            _waiting.Enqueue(waiter, (order, _arrivals++));
        }

        using var timer = maxWait == Timeout.InfiniteTimeSpan ? null : new CancellationTokenSource(maxWait, _time);
        using var onTimer = timer?.Token.Register(static w => ((Waiter)w!).Turn.TrySetResult(false), waiter);
        using var onCancel = cancellation.Register(static w => ((Waiter)w!).Turn.TrySetResult(false), waiter);
        if (await waiter.Turn.Task.ConfigureAwait(false)) return new AnalysisTurn(this);
        cancellation.ThrowIfCancellationRequested();
        return null;
    }

    // Under _gate.
    private void Take()
    {
        _running++;
        _given++;
        if (_running > _peakRunning) _peakRunning = _running;
    }

    internal void Release()
    {
        lock (_gate)
        {
            _running--;
            // Hand the freed turn to the first waiter that is still waiting (ones that gave up are skipped).
            while (_running < Capacity && _waiting.TryDequeue(out var next, out _))
            {
                if (next.Turn.TrySetResult(true)) Take();
            }
        }
    }

    internal CancellationTokenSource StartRunningTimer() =>
        RunningLimit == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(RunningLimit, _time);

    private sealed class Waiter
    {
        public TaskCompletionSource<bool> Turn { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>One analysis's turn on the model host; <see cref="Running"/> fires when it has run longer than the limit.
/// Dispose it when the analysis is over (it frees the turn for the next waiter).</summary>
public sealed class AnalysisTurn : IDisposable
{
    private readonly AnalysisQueue _queue;
    private readonly CancellationTokenSource _running;
    private int _disposed;

    internal AnalysisTurn(AnalysisQueue queue)
    {
        _queue = queue;
        _running = queue.StartRunningTimer();
    }

    /// <summary>Cancelled once the analysis has run for the queue's running limit (counted from when the turn was given).</summary>
    public CancellationToken Running => _running.Token;

    public TimeSpan RunningLimit => _queue.RunningLimit;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _running.Dispose();
        _queue.Release();
    }
}
