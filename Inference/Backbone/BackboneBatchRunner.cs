using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Ootd.Inference.Imaging;
using Ootd.Inference.Onnx;

namespace Ootd.Inference.Backbone;

/// <summary>
/// Runs backbone batches the way a <see cref="BackboneExecutionPlan"/> says: at their own size or padded up to a bucket
/// (the padded rows' outputs are discarded), through plain <c>Run</c> or an <c>OrtIoBinding</c> over host buffers
/// allocated once (CUDA-pinned on CUDA) and reused, on one shared session or on sessions per batch worker (and per
/// bucket). One "lane" per batch worker owns its buffers, so as many batches as there are workers run at once, each
/// with its own buffers; on CUDA with sessions per worker each also has its own stream (two batches in flight:
/// one's copies and the next one's preprocessing overlap the other's compute). Thread-safe.
/// </summary>
public sealed class BackboneBatchRunner : IDisposable
{
    private static readonly string[] InputNames = [ResNetBackbone.InputName];
    private static readonly string[] OutputNames = [ResNetBackbone.OutputName];

    private readonly ResNetBackbone _primary;
    private readonly List<OnnxModelSession> _owned = [];
    private readonly Lane[] _lanes;
    private readonly ConcurrentQueue<Lane> _free = new();
    private readonly SemaphoreSlim _freeCount;
    private readonly ILogger _logger;
    private readonly int _capacity;
    private readonly bool _cudaPinned;
    private readonly int _deviceId;
    private volatile bool _ioBinding;
    private long _batches, _rows, _paddedRows;

    /// <param name="primary">The loaded backbone: its session is lane 0's (and every lane's when shared).</param>
    /// <param name="factory">Makes the extra sessions (per worker, per bucket) with the same settings.</param>
    /// <param name="workers">Batches run at once (the batcher's workers): one lane each.</param>
    /// <param name="maxBatchSize">The most crops one batch holds without buckets.</param>
    public BackboneBatchRunner(ResNetBackbone primary, OnnxSessionFactory factory, BackboneExecutionPlan plan, int workers, int maxBatchSize,
        ILogger? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        _primary = primary;
        _logger = logger ?? NullLogger.Instance;
        Plan = plan;
        _ioBinding = plan.IoBinding;
        _capacity = plan.Buckets?.Largest ?? maxBatchSize;
        _cudaPinned = primary.Provider == "CUDA";
        _deviceId = factory.Settings.CudaDeviceId;
        var layout = plan.Buckets is null && plan.Sessions == BackboneSessionLayout.PerWorkerAndBucket ? BackboneSessionLayout.PerWorker : plan.Sessions;
        byte[]? model = layout == BackboneSessionLayout.Shared || (workers == 1 && layout == BackboneSessionLayout.PerWorker)
            ? null : File.ReadAllBytes(primary.ModelPath);
        InferenceSession Extra(string name)
        {
            var session = factory.Create(model!, name);
            _owned.Add(session);
            return session.Session;
        }
        _lanes = new Lane[workers];
        try
        {
            for (int l = 0; l < workers; l++)
            {
                var sessions = new Dictionary<int, InferenceSession>();
                InferenceSession laneSession = layout == BackboneSessionLayout.Shared || l == 0 ? primary.Session : Extra($"resnet18 (worker {l + 1})");
                if (layout == BackboneSessionLayout.PerWorkerAndBucket)
                    foreach (int bucket in plan.Buckets!.Sizes)
                        sessions[bucket] = bucket == plan.Buckets.Largest ? laneSession : Extra($"resnet18 (worker {l + 1}, batch {bucket})");
                _lanes[l] = new Lane(this, l, laneSession, sessions);
                _free.Enqueue(_lanes[l]);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
        _freeCount = new SemaphoreSlim(workers, workers);
    }

    public BackboneExecutionPlan Plan { get; }
    /// <summary>Whether batches run through IoBinding now (false when the plan says so, or the start-up check turned it off).</summary>
    public bool UsesIoBinding => _ioBinding;
    /// <summary>Sessions this runner made besides the primary one.</summary>
    public int ExtraSessions => _owned.Count;
    /// <summary>Batches run, crops run, and padding rows run (discarded) so far.</summary>
    public (long Batches, long Rows, long PaddedRows) Totals =>
        (Interlocked.Read(ref _batches), Interlocked.Read(ref _rows), Interlocked.Read(ref _paddedRows));

    /// <summary>Features of each crop (each at least <see cref="CropTensor.Length"/> floats: a prepared 224×224 input).</summary>
    public float[][] Run(IReadOnlyList<float[]> crops)
    {
        if (crops.Count == 0) return [];
        var result = new float[crops.Count][];
        Run(crops.Count, (i, destination) => crops[i].AsSpan(0, CropTensor.Length).CopyTo(destination), (i, row) => result[i] = row.ToArray());
        return result;
    }

    /// <summary>The first <paramref name="count"/> crops of a contiguous batch → N×512 features (row-major).</summary>
    public void Run(ReadOnlyMemory<float> batch, int count, Memory<float> features)
    {
        if (batch.Length < count * CropTensor.Length) throw new ArgumentException("batch shorter than count crops");
        if (features.Length < count * ResNetBackbone.FeatureSize) throw new ArgumentException("features shorter than count rows");
        Run(count, (i, destination) => batch.Span.Slice(i * CropTensor.Length, CropTensor.Length).CopyTo(destination),
            (i, row) => row.CopyTo(features.Span.Slice(i * ResNetBackbone.FeatureSize, ResNetBackbone.FeatureSize)));
    }

    private delegate void WriteCrop(int index, Span<float> destination);
    private delegate void ReadRow(int index, ReadOnlySpan<float> features);

    private void Run(int count, WriteCrop write, ReadRow read, bool? bound = null)
    {
        if (count < 1) return;
        int rows = Plan.Buckets?.Choose(count) ?? count;
        if (rows > _capacity) throw new ArgumentException($"a batch of {count} crops is more than this runner's {_capacity}");
        _freeCount.Wait();
        _free.TryDequeue(out var lane);
        try
        {
            lane!.Run(count, rows, write, read, bound ?? _ioBinding);
        }
        finally
        {
            _free.Enqueue(lane!);
            _freeCount.Release();
        }
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _rows, count);
        Interlocked.Add(ref _paddedRows, rows - count);
    }

    /// <summary>
    /// Runs every bucket once on every lane (each session plans its shape before the first photo), then, with IoBinding,
    /// checks that the bound path gives the plain path's features on a test batch; when it throws or differs, IoBinding
    /// is turned off (logged) and batches go through plain <c>Run</c>. Call it before the first batch.
    /// </summary>
    public void WarmUp()
    {
        if (Plan.Buckets is not null)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            foreach (var lane in _lanes)
                foreach (int bucket in Plan.Buckets.Sizes)
                    lane.Run(bucket, bucket, (_, d) => d.Clear(), (_, _) => { }, _ioBinding);
            _logger.LogInformation("Inference: backbone warmed up: buckets {Buckets} on {Lanes} worker(s) in {Ms:F0} ms",
                Plan.Buckets, _lanes.Length, started.Elapsed.TotalMilliseconds);
        }
        if (!_ioBinding) return;
        string? problem;
        try
        {
            problem = CheckBoundAgainstPlain();
        }
        catch (Exception e)
        {
            problem = e.GetType().Name + ": " + e.Message.Split('\n')[0];
        }
        if (problem is null) return;
        _ioBinding = false;
        _logger.LogWarning("Inference: the backbone's IoBinding path failed its start-up check ({Problem}); batches run through plain Run", problem);
    }

    private string? CheckBoundAgainstPlain()
    {
        int count = Math.Min(2, _capacity);
        var rng = new Random(17);
        var input = new float[count * CropTensor.Length];
        for (int i = 0; i < input.Length; i++) input[i] = (float)(rng.NextDouble() * 255 - 120);
        var plain = new float[count * ResNetBackbone.FeatureSize];
        var bound = new float[count * ResNetBackbone.FeatureSize];
        void Into(float[] features, bool useBinding) => Run(count,
            (i, d) => input.AsSpan(i * CropTensor.Length, CropTensor.Length).CopyTo(d),
            (i, row) => row.CopyTo(features.AsSpan(i * ResNetBackbone.FeatureSize)), useBinding);
        Into(plain, false);
        Into(bound, true);
        for (int i = 0; i < plain.Length; i++)
            if (!(Math.Abs(plain[i] - bound[i]) <= 1e-3f * (1 + Math.Abs(plain[i]))))
                return $"feature {i}: {bound[i]} bound, {plain[i]} plain";
        return null;
    }

    public void Dispose()
    {
        foreach (var lane in _lanes) lane?.Dispose();
        foreach (var session in _owned) session.Dispose();
        _freeCount?.Dispose();
    }

    /// <summary>One batch worker's sessions and buffers (used by one batch at a time).</summary>
    private sealed class Lane(BackboneBatchRunner owner, int index, InferenceSession session, Dictionary<int, InferenceSession> perBucket) : IDisposable
    {
        private readonly Dictionary<int, Binding> _bindings = [];
        private readonly RunOptions _runOptions = new();
        private float[]? _plainInput, _plainOutput;
        private HostTensorMemory? _boundInput, _boundOutput;
        // Rows of the input buffers that hold an earlier batch's crops: padding rows must be zero, so the padded rows'
        // (discarded) outputs are always the same and no stale crop is read twice.
        private int _dirtyPlain, _dirtyBound;

        public int Index { get; } = index;

        private InferenceSession SessionFor(int rows) => perBucket.TryGetValue(rows, out var s) ? s : session;

        public void Run(int count, int rows, WriteCrop write, ReadRow read, bool bound)
        {
            if (bound) RunBound(count, rows, write, read);
            else RunPlain(count, rows, write, read);
        }

        private void RunPlain(int count, int rows, WriteCrop write, ReadRow read)
        {
            _plainInput ??= new float[owner._capacity * CropTensor.Length];   // zeroed: no stale rows yet
            _plainOutput ??= new float[owner._capacity * ResNetBackbone.FeatureSize];
            Fill(_plainInput, count, rows, ref _dirtyPlain, write);
            ResNetBackbone.Run(SessionFor(rows), _plainInput, rows, _plainOutput);
            for (int i = 0; i < count; i++) read(i, _plainOutput.AsSpan(i * ResNetBackbone.FeatureSize, ResNetBackbone.FeatureSize));
        }

        private void RunBound(int count, int rows, WriteCrop write, ReadRow read)
        {
            if (!_bindings.TryGetValue(rows, out var binding))
            {
                var target = SessionFor(rows);
                if (_boundInput is null)
                {
                    _boundInput = HostTensorMemory.Allocate(target, (long)owner._capacity * CropTensor.Length, owner._cudaPinned, owner._deviceId);
                    _dirtyBound = int.MaxValue;   // pinned memory comes uninitialised
                }
                _boundOutput ??= HostTensorMemory.Allocate(target, (long)owner._capacity * ResNetBackbone.FeatureSize, owner._cudaPinned, owner._deviceId);
                binding = new Binding(target, _boundInput, _boundOutput, rows);
                _bindings[rows] = binding;
            }
            var input = binding.Input.GetTensorMutableDataAsSpan<float>();
            Fill(input, count, rows, ref _dirtyBound, write);
            // Bound again for every batch: a copy to the device made at bind time happens only once.
            binding.Io.BindInput(ResNetBackbone.InputName, binding.Input);
            binding.Session.RunWithBinding(_runOptions, binding.Io);
            binding.Io.SynchronizeBoundOutputs();
            var output = binding.Output.GetTensorDataAsSpan<float>();
            for (int i = 0; i < count; i++) read(i, output.Slice(i * ResNetBackbone.FeatureSize, ResNetBackbone.FeatureSize));
        }

        private static void Fill(Span<float> buffer, int count, int rows, ref int dirty, WriteCrop write)
        {
            for (int i = 0; i < count; i++) write(i, buffer.Slice(i * CropTensor.Length, CropTensor.Length));
            int stale = Math.Min(dirty, rows);
            if (stale > count) buffer[(count * CropTensor.Length)..(stale * CropTensor.Length)].Clear();
            dirty = dirty > rows ? dirty : count;
        }

        public void Dispose()
        {
            foreach (var b in _bindings.Values) b.Dispose();
            _runOptions.Dispose();
            _boundInput?.Dispose();
            _boundOutput?.Dispose();
        }
    }

    /// <summary>An IoBinding of one session for one batch shape, over the lane's reused host buffers.</summary>
    private sealed class Binding : IDisposable
    {
        public Binding(InferenceSession session, HostTensorMemory input, HostTensorMemory output, int rows)
        {
            Session = session;
            Input = input.View([rows, 3, CropTensor.Side, CropTensor.Side]);
            Output = output.View([rows, ResNetBackbone.FeatureSize, 1, 1]);
            Io = session.CreateIoBinding();
            Io.BindOutput(ResNetBackbone.OutputName, Output);
        }

        public InferenceSession Session { get; }
        public OrtValue Input { get; }
        public OrtValue Output { get; }
        public OrtIoBinding Io { get; }

        public void Dispose()
        {
            Io.Dispose();
            Input.Dispose();
            Output.Dispose();
        }
    }
}
