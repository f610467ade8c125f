using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;

namespace Ootd.Inference.Onnx;

/// <summary>How model sessions are created.</summary>
public sealed record OnnxRuntimeSettings
{
    /// <summary>Try the CUDA execution provider first (falls back to CPU when it cannot load).</summary>
    public bool PreferCuda { get; init; } = true;
    public int CudaDeviceId { get; init; }
    /// <summary>Intra-op threads per session; keep 1–2 on a shared CPU.</summary>
    public int IntraOpThreads { get; init; } = 1;
    /// <summary>The CUDA provider's <c>cudnn_conv_algo_search</c> (HEURISTIC, EXHAUSTIVE or DEFAULT). ONNX Runtime's own
    /// default is EXHAUSTIVE: a cuDNN benchmark for every new input shape.</summary>
    public string CudnnConvAlgoSearch { get; init; } = "HEURISTIC";
    /// <summary><c>session.intra_op.allow_spinning</c>: off by default (a batcher thread feeds the session).</summary>
    public bool AllowSpinning { get; init; }

    public static OnnxRuntimeSettings Default { get; } = new();
}

/// <summary>
/// An ONNX Runtime session with the execution provider it ended up on. Runs that go through <see cref="Use{T}"/> are
/// counted: <see cref="Dispose"/> waits for those in flight and refuses new ones, because releasing a native session
/// under a running <c>Run</c> (or before its outputs are read) is a use-after-free that ends the process (a silo
/// stopping while an upload is being parsed).
/// </summary>
public sealed class OnnxModelSession(InferenceSession session, string provider) : IDisposable
{
    private readonly object _gate = new();
    private int _running;
    private bool _disposed;

    /// <summary>The bare session, for callers whose runs are drained before disposal (the batchers' workers).</summary>
    public InferenceSession Session { get; } = session;
    /// <summary>"CUDA" or "CPU".</summary>
    public string Provider { get; } = provider;

    /// <summary>Runs <paramref name="work"/> on the session; it must read every output before it returns.</summary>
    /// <exception cref="ObjectDisposedException">The session was disposed.</exception>
    public T Use<T>(Func<InferenceSession, T> work)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _running++;
        }
        try
        {
            return work(Session);
        }
        finally
        {
            lock (_gate)
            {
                if (--_running == 0) Monitor.PulseAll(_gate);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            while (_running > 0) Monitor.Wait(_gate);
        }
        Session.Dispose();
    }
}

/// <summary>Creates sessions: CUDA when it loads, otherwise CPU, and logs which one was used.</summary>
public sealed class OnnxSessionFactory(OnnxRuntimeSettings? settings = null, ILogger? logger = null,
    Action<SessionOptions, int>? appendCuda = null)
{
    private readonly OnnxRuntimeSettings _settings = settings ?? OnnxRuntimeSettings.Default;
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private readonly Action<SessionOptions, int> _appendCuda = appendCuda ?? ((o, id) => AppendCuda(o, id, settings ?? OnnxRuntimeSettings.Default));
    // With the real provider, look for CUDA's own libraries first: without them ONNX Runtime's attempt fails anyway,
    // after printing an error line per session (harmless, but it buries real errors in the logs of CPU machines).
    private readonly bool _probeCudaLibraries = appendCuda is null;

    /// <summary>The CUDA 13 libraries the CUDA execution provider of ONNX Runtime 1.31 loads; null when all load.</summary>
    public static string? MissingCudaLibrary => MissingCuda.Value;

    private static readonly Lazy<string?> MissingCuda = new(() =>
    {
        foreach (var library in new[] { "libcudart.so.13", "libcublasLt.so.13", "libcublas.so.13" })
        {
            if (!System.Runtime.InteropServices.NativeLibrary.TryLoad(library, out var handle)) return library;
            System.Runtime.InteropServices.NativeLibrary.Free(handle);
        }
        return null;
    });

    public OnnxRuntimeSettings Settings => _settings;

    public OnnxModelSession Create(byte[] model, string name)
    {
        if (_settings.PreferCuda && _probeCudaLibraries && MissingCudaLibrary is { } missing)
        {
            _logger.LogInformation("Model {Model}: CUDA libraries not found ({Library} does not load); using CPU", name, missing);
        }
        else if (_settings.PreferCuda)
        {
            SessionOptions? options = null;
            try
            {
                options = BaseOptions();
                _appendCuda(options, _settings.CudaDeviceId);
                var session = new InferenceSession(model, options);
                _logger.LogInformation("Model {Model} runs on CUDA device {Device} (cudnn_conv_algo_search {Search})", name, _settings.CudaDeviceId,
                    _settings.CudnnConvAlgoSearch);
                return new OnnxModelSession(session, "CUDA");
            }
            catch (Exception e)
            {
                _logger.LogInformation("Model {Model}: CUDA unavailable ({Reason}); using CPU", name, FirstLine(e.Message));
            }
            finally
            {
                options?.Dispose();
            }
        }
        using var cpu = BaseOptions();
        var cpuSession = new InferenceSession(model, cpu);
        _logger.LogInformation("Model {Model} runs on CPU with {Threads} intra-op thread(s)", name, _settings.IntraOpThreads);
        return new OnnxModelSession(cpuSession, "CPU");
    }

    private SessionOptions BaseOptions()
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = Math.Max(1, _settings.IntraOpThreads),
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", _settings.AllowSpinning ? "1" : "0");
        return options;
    }

    /// <summary>The CUDA provider with the settings' options (the provider copies them when appended).</summary>
    private static void AppendCuda(SessionOptions options, int deviceId, OnnxRuntimeSettings settings)
    {
        using var cuda = new OrtCUDAProviderOptions();
        cuda.UpdateOptions(new Dictionary<string, string>
        {
            ["device_id"] = deviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["cudnn_conv_algo_search"] = settings.CudnnConvAlgoSearch,
        });
        options.AppendExecutionProvider_CUDA(cuda);
    }

    private static string FirstLine(string text)
    {
        int i = text.IndexOf('\n');
        return i < 0 ? text : text[..i];
    }
}
