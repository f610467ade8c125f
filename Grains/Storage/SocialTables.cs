using Npgsql;
using NpgsqlTypes;

namespace Ootd.Grains.Storage;

/// <summary>Small helpers shared by the table classes: positional parameters and one-shot commands.</summary>
internal static class Sql
{
    public static NpgsqlCommand Command(this NpgsqlDataSource dataSource, string sql, params object?[] args)
    {
        var cmd = dataSource.CreateCommand(sql);
        foreach (var arg in args) cmd.Parameters.Add(Parameter(arg));
        return cmd;
    }

    public static NpgsqlParameter Parameter(object? value) => value switch
    {
        null => new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
        short s => new NpgsqlParameter { Value = s, NpgsqlDbType = NpgsqlDbType.Smallint },
        _ => new NpgsqlParameter { Value = value },
    };

    public static async Task<long> ScalarLongAsync(this NpgsqlDataSource dataSource, string sql, params object?[] args)
    {
        await using var cmd = dataSource.Command(sql, args);
        var result = await cmd.ExecuteScalarAsync();
        return result is null or DBNull ? 0 : Convert.ToInt64(result);
    }

    public static async Task<List<Guid>> GuidsAsync(this NpgsqlDataSource dataSource, string sql, params object?[] args)
    {
        await using var cmd = dataSource.Command(sql, args);
        await using var reader = await cmd.ExecuteReaderAsync();
        var ids = new List<Guid>();
        while (await reader.ReadAsync()) ids.Add(reader.GetGuid(0));
        return ids;
    }

    public static short Kind(Common.InteractionKind kind) => (short)kind;
}
