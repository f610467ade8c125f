using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ootd.Silo.Database;

/// <summary>
/// Applies the migrations when the host starts. Registered before Orleans, so the schema and the provider queries
/// exist before the silo's providers read them. Waits for the database for up to a minute.
/// </summary>
public sealed partial class MigrationService(NpgsqlDataSource dataSource, ILogger<MigrationService> logger, ILoggerFactory loggerFactory)
    : IHostedService
{
    public static readonly TimeSpan WaitForDatabase = TimeSpan.FromSeconds(60);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + WaitForDatabase;
        while (true)
        {
            try
            {
                var applied = await new Migrator(loggerFactory.CreateLogger<Migrator>()).ApplyAsync(dataSource, cancellationToken);
                LogMigrated(applied.Count);
                return;
            }
            catch (NpgsqlException ex) when (ex.IsTransient && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
            {
                LogWaiting(ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Database schema is up to date ({Applied} migrations applied now)")]
    private partial void LogMigrated(int applied);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Waiting for PostgreSQL: {Reason}")]
    private partial void LogWaiting(string reason);
}
