namespace Ootd.Grains.Search;

/// <summary>
/// A query or item vector the search cannot use: wrong dimension, NaN or infinity, all zeros, or an empty key.
/// The API maps it to 400.
/// </summary>
[GenerateSerializer]
public sealed class InvalidVectorException : ArgumentException
{
    public InvalidVectorException(string message) : base(message) { }
}

/// <summary>An index name or super-category that the search is not configured for. The API maps it to 404 (or 400).</summary>
[GenerateSerializer]
public sealed class UnknownSearchScopeException : ArgumentException
{
    public UnknownSearchScopeException(string message) : base(message) { }
}
