namespace Ootd.Grains.Common;

/// <summary>
/// The database could not do what a grain asked: unreachable, shutting down, out of connections, or refusing the
/// statement (a table missing or not readable). Grains never let a driver exception (Npgsql's types have no Orleans
/// codec) cross the grain boundary: the silo turns it into this, and the API answers 503 with <c>Retry-After</c>.
/// A write that ends with this exception was not applied (each write is one statement), so it is safe to retry.
/// </summary>
[GenerateSerializer, Alias("ootd.DatabaseUnavailable")]
public sealed class DatabaseUnavailableException : Exception
{
    public DatabaseUnavailableException(string message, string? sqlState = null) : base(message) => SqlState = sqlState;

    /// <summary>PostgreSQL's SQLSTATE when the server answered with an error (e.g. 57P01 admin shutdown), else null.</summary>
    [Id(0)] public string? SqlState { get; set; }
}

/// <summary>
/// PostgreSQL refused a value (SQLSTATE class 22, data exception: e.g. a character it cannot store). The API
/// checks text before it reaches a grain, so this is a last line of defence; the API answers 400.
/// </summary>
[GenerateSerializer, Alias("ootd.DatabaseRejectedValue")]
public sealed class DatabaseRejectedValueException : Exception
{
    public DatabaseRejectedValueException(string message, string? sqlState = null) : base(message) => SqlState = sqlState;

    [Id(0)] public string? SqlState { get; set; }
}
