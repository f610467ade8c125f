using System.Runtime.InteropServices;

namespace Ootd.VectorIndex.Native;

/// <summary>
/// The slice of USearch's C API (<c>c/usearch.h</c>, shipped as <c>libusearch_c.so</c> by Cloud.Unum.USearch 2.26.6)
/// that <see cref="HnswIndex"/> needs. Every call reports failure through its last argument: a pointer to a static,
/// NUL-terminated message, or null on success. Nothing here is safe to call directly: go through <see cref="HnswIndex"/>.
/// </summary>
internal static unsafe partial class USearchNative
{
    private const string Library = "libusearch_c";

    internal enum MetricKind
    {
        Unknown = 0,
        Cosine = 1,
        InnerProduct = 2,
        L2Squared = 3,
    }

    internal enum ScalarKind
    {
        Unknown = 0,
        F32 = 1,
        F64 = 2,
        F16 = 3,
        I8 = 4,
        B1 = 5,
    }

    /// <summary>Mirror of <c>usearch_init_options_t</c> (x86-64 SysV layout: 4-byte enums, 8-byte size_t, 1-byte bool).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct InitOptions
    {
        public MetricKind MetricKind;
        public nint Metric;
        public ScalarKind Quantization;
        public nuint Dimensions;
        public nuint Connectivity;
        public nuint ExpansionAdd;
        public nuint ExpansionSearch;
        public byte Multi;
        // Zeroed tail: if a later library build appends fields, it reads zeros (its "use the default") instead of stack garbage.
        public fixed byte Reserved[64];
    }

    [LibraryImport(Library, EntryPoint = "usearch_init")]
    internal static partial nint Init(InitOptions* options, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_free")]
    internal static partial void Free(nint index, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_add")]
    internal static partial void Add(nint index, ulong key, float* vector, ScalarKind kind, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_remove")]
    internal static partial nuint Remove(nint index, ulong key, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_contains")]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool Contains(nint index, ulong key, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_get")]
    internal static partial nuint Get(nint index, ulong key, nuint count, float* vector, ScalarKind kind, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_search")]
    internal static partial nuint Search(nint index, float* query, ScalarKind kind, nuint count, ulong* keys, float* distances, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_filtered_search")]
    internal static partial nuint FilteredSearch(
        nint index, float* query, ScalarKind kind, nuint count,
        delegate* unmanaged<ulong, void*, int> filter, void* filterState,
        ulong* keys, float* distances, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_size")]
    internal static partial nuint Size(nint index, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_capacity")]
    internal static partial nuint Capacity(nint index, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_dimensions")]
    internal static partial nuint Dimensions(nint index, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_connectivity")]
    internal static partial nuint Connectivity(nint index, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_memory_usage")]
    internal static partial nuint MemoryUsage(nint index, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_reserve")]
    internal static partial void Reserve(nint index, nuint capacity, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_expansion_add")]
    internal static partial nuint ExpansionAdd(nint index, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_expansion_search")]
    internal static partial nuint ExpansionSearch(nint index, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_change_expansion_add")]
    internal static partial void ChangeExpansionAdd(nint index, nuint expansion, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_change_expansion_search")]
    internal static partial void ChangeExpansionSearch(nint index, nuint expansion, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_change_threads_add")]
    internal static partial void ChangeThreadsAdd(nint index, nuint threads, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_change_threads_search")]
    internal static partial void ChangeThreadsSearch(nint index, nuint threads, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_save", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void Save(nint index, string path, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_load", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void Load(nint index, string path, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_view", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void View(nint index, string path, out nint error);

    /// <summary>Whether an error says the index has no free slot left ("Reserve capacity ahead of insertions!").</summary>
    internal static bool IsOutOfCapacity(nint error) =>
        Marshal.PtrToStringUTF8(error)?.Contains("capacity", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>Throws <see cref="HnswIndexException"/> when a call reported an error.</summary>
    internal static void Check(nint error, string operation)
    {
        if (error != 0)
        {
            throw new HnswIndexException($"usearch {operation} failed: {Marshal.PtrToStringUTF8(error)}");
        }
    }
}
