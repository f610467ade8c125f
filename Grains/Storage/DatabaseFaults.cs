using System.Buffers;
using Microsoft.Extensions.Logging;
using Npgsql;
using Ootd.Grains.Common;
using Orleans.Serialization.Buffers;
using Orleans.Serialization.Codecs;
using Orleans.Serialization.Serializers;
using Orleans.Serialization.WireProtocol;

namespace Ootd.Grains.Storage;

/// <summary>
/// Turns database driver failures into the project's own serialisable errors at the grain boundary. Npgsql's
/// exceptions have no Orleans codec, so before this a PostgreSQL error inside a grain reached the gateway as a
/// <c>CodecNotFoundException</c> (answered 500) instead of "database unavailable" (503).
/// </summary>
public static class DatabaseFaults
{
    /// <summary>The error to send instead of <paramref name="exception"/>, or null when no database fault is in it.</summary>
    public static Exception? Translate(Exception exception)
    {
        if (exception is DatabaseUnavailableException or DatabaseRejectedValueException) return null;
        if (Find(exception) is not { } fault) return null;
        var state = (fault as PostgresException)?.SqlState;
        if (state is { Length: 5 } && state.StartsWith("22", StringComparison.Ordinal))
        {
            return new DatabaseRejectedValueException($"PostgreSQL refused a value ({state}): {fault.Message}", state);
        }

        return new DatabaseUnavailableException($"database error{(state is null ? "" : " " + state)}: {fault.Message}", state);
    }

    private static NpgsqlException? Find(Exception? exception, int depth = 0)
    {
        if (exception is null || depth > 8) return null;
        if (exception is NpgsqlException npgsql) return npgsql;
        if (exception is AggregateException aggregate)
        {
            foreach (var inner in aggregate.InnerExceptions)
            {
                if (Find(inner, depth + 1) is { } found) return found;
            }
        }

        return Find(exception.InnerException, depth + 1);
    }
}

/// <summary>
/// Every grain call on this silo: a database fault that escapes the grain method leaves as
/// <see cref="DatabaseUnavailableException"/> (or <see cref="DatabaseRejectedValueException"/>), logged once here.
/// </summary>
public sealed class DatabaseFaultFilter(ILogger<DatabaseFaultFilter> logger) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception e) when (DatabaseFaults.Translate(e) is { } answer)
        {
            logger.LogWarning(e, "{Grain} {Method}: database fault, answered as {Answer}",
                context.TargetContext.GrainId, context.MethodName, answer.GetType().Name);
            throw answer;
        }
    }
}

/// <summary>
/// The safety net for what call filters do not see (a grain whose activation fails on a database error, a storage
/// provider's failure): whenever Orleans has to serialise an Npgsql exception, it writes the translated error instead.
/// Only writing is needed; the type on the wire is the project's own.
/// </summary>
public sealed class DatabaseFaultCodec : IGeneralizedCodec
{
    public bool IsSupportedType(Type type) => typeof(NpgsqlException).IsAssignableFrom(type);

    public void WriteField<TBufferWriter>(ref Writer<TBufferWriter> writer, uint fieldIdDelta, Type? expectedType, object? value)
        where TBufferWriter : IBufferWriter<byte>
    {
        if (value is null)
        {
            ReferenceCodec.WriteNullReference(ref writer, fieldIdDelta);
            return;
        }

        var answer = DatabaseFaults.Translate((Exception)value) ?? new DatabaseUnavailableException("database error");
        writer.Session.CodecProvider.GetCodec(answer.GetType()).WriteField(ref writer, fieldIdDelta, expectedType, answer);
    }

    public object ReadValue<TInput>(ref Reader<TInput> reader, Field field) =>
        throw new NotSupportedException("Npgsql exceptions are never written to the wire; they are translated first.");
}
