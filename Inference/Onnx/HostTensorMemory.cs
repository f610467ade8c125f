using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Ootd.Inference.Onnx;

/// <summary>
/// A host buffer of floats allocated once and reused for every batch: CUDA-pinned memory from the session's pinned
/// allocator when the session runs on CUDA (host↔device copies then go by DMA, without a staging copy), otherwise a
/// managed array on the pinned object heap (its address never moves). <see cref="View"/> wraps the start of it in an
/// <see cref="OrtValue"/> of a given shape without copying.
/// </summary>
public sealed class HostTensorMemory : IDisposable
{
    private readonly float[]? _array;
    private readonly OrtAllocator? _allocator;
    private readonly OrtMemoryAllocation? _allocation;

    private HostTensorMemory(float[] array)
    {
        _array = array;
        Pointer = Marshal.UnsafeAddrOfPinnedArrayElement(array, 0);
        Info = OrtMemoryInfo.DefaultInstance;
        Floats = array.LongLength;
    }

    private HostTensorMemory(OrtAllocator allocator, OrtMemoryAllocation allocation, long floats)
    {
        _allocator = allocator;
        _allocation = allocation;
        Pointer = allocation.DangerousGetHandle();
        Info = allocation.Info;
        Floats = floats;
        CudaPinned = true;
    }

    public IntPtr Pointer { get; }
    public OrtMemoryInfo Info { get; }
    public long Floats { get; }
    /// <summary>True when the memory came from the CUDA provider's pinned allocator.</summary>
    public bool CudaPinned { get; }

    /// <summary>
    /// <paramref name="floats"/> floats: CUDA-pinned when <paramref name="cudaPinned"/> and the session's provider
    /// offers a pinned allocator, else a pinned managed array (also when the pinned allocation fails).
    /// </summary>
    public static HostTensorMemory Allocate(InferenceSession session, long floats, bool cudaPinned, int deviceId = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(floats, 1);
        long bytes = floats * sizeof(float);
        if (cudaPinned && bytes <= uint.MaxValue)
        {
            OrtMemoryInfo? info = null;
            OrtAllocator? allocator = null;
            try
            {
                info = new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA_PINNED, OrtAllocatorType.DeviceAllocator, deviceId, OrtMemType.CpuOutput);
                allocator = new OrtAllocator(session, info);
                var allocation = allocator.Allocate((uint)bytes);
                return new HostTensorMemory(allocator, allocation, floats);
            }
            catch (Exception)
            {
                allocator?.Dispose();
            }
            finally
            {
                info?.Dispose();
            }
        }
        return new HostTensorMemory(GC.AllocateArray<float>(checked((int)floats), pinned: true));
    }

    /// <summary>An <see cref="OrtValue"/> over the start of this memory with <paramref name="shape"/> (no copy).
    /// Dispose the view before this memory.</summary>
    public OrtValue View(long[] shape)
    {
        long floats = shape.Aggregate(1L, (a, d) => a * d);
        if (floats > Floats) throw new ArgumentException($"shape needs {floats} floats; the buffer holds {Floats}");
        return OrtValue.CreateTensorValueWithData(Info, TensorElementType.Float, shape, Pointer, floats * sizeof(float));
    }

    public void Dispose()
    {
        _allocation?.Dispose();
        _allocator?.Dispose();
        GC.KeepAlive(_array);
    }
}
