using Ootd.Grains.Search;

namespace Ootd.VectorIndex;

/// <summary>Input checks shared by the index, the shard grains and the router.</summary>
public static class VectorChecks
{
    /// <summary>Throws <see cref="InvalidVectorException"/> unless the vector has the right length, only finite values and a non-zero norm.</summary>
    public static void Validate(ReadOnlySpan<float> vector, int dimensions, string what)
    {
        if (vector.Length != dimensions)
            throw new InvalidVectorException($"{what} has {vector.Length} dimensions, the index expects {dimensions}");
        double norm = 0;
        for (var i = 0; i < vector.Length; i++)
        {
            var x = vector[i];
            if (!float.IsFinite(x)) throw new InvalidVectorException($"{what}[{i}] is {x}: vectors must be finite");
            norm += (double)x * x;
        }
        if (norm == 0) throw new InvalidVectorException($"{what} is all zeros: cosine distance is undefined for it");
    }
}
