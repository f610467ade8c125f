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

    public static OnnxRuntimeSettings Default { get; } = new();
}

/// <summary>An ONNX Runtime session with the execution provider it ended up on.</summary>
public sealed class OnnxModelSession(InferenceSession session, string provider) : IDisposable
{
    public InferenceSession Session { get; } = session;
    /// <summary>"CUDA" or "CPU".</summary>
    public string Provider { get; } = provider;
    public void Dispose() => Session.Dispose();
}

/// <summary>Creates sessions: CUDA when it loads, otherwise CPU, and logs which one was used.</summary>
public sealed class OnnxSessionFactory(OnnxRuntimeSettings? settings = null, ILogger? logger = null,
    Action<SessionOptions, int>? appendCuda = null)
{
    private readonly OnnxRuntimeSettings _settings = settings ?? OnnxRuntimeSettings.Default;
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private readonly Action<SessionOptions, int> _appendCuda = appendCuda ?? ((o, id) => o.AppendExecutionProvider_CUDA(id));

    public OnnxRuntimeSettings Settings => _settings;

    public OnnxModelSession Create(byte[] model, string name)
    {
        if (_settings.PreferCuda)
        {
            SessionOptions? options = null;
            try
            {
                options = BaseOptions();
                _appendCuda(options, _settings.CudaDeviceId);
                var session = new InferenceSession(model, options);
                _logger.LogInformation("Model {Model} runs on CUDA device {Device}", name, _settings.CudaDeviceId);
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
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return options;
    }

    private static string FirstLine(string text)
    {
        int i = text.IndexOf('\n');
        return i < 0 ? text : text[..i];
    }
}
