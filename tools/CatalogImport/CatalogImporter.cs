using System.Diagnostics;
using System.Globalization;

namespace Ootd.CatalogImport;

public sealed record ImportSummary(int Rows, int Imported, int Skipped, int Failed, IReadOnlyList<RowProblem> Failures, TimeSpan Elapsed);

/// <summary>
/// Imports the rows of a catalog folder through the API, several at a time, with a progress line. Every row ends as
/// imported, skipped (already there and ready: this is what makes a re-run after a crash resume) or failed; a
/// failure is reported with its CSV line and never stops the import.
/// </summary>
public sealed class CatalogImporter(CatalogClient client, TextWriter progressOut, int parallelism = 4, bool force = false)
{
    public async Task<ImportSummary> RunAsync(IReadOnlyList<CatalogRow> rows, IReadOnlyList<RowProblem> csvProblems,
        TextWriter? failureReport, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var failures = new List<RowProblem>();
        var gate = new object();
        int done = 0, imported = 0, skipped = 0, total = rows.Count + csvProblems.Count;
        var bar = new ProgressBar(progressOut, total);
        failureReport?.WriteLine("line,id,reason");

        void Fail(RowProblem p)
        {
            lock (gate)
            {
                failures.Add(p);
                failureReport?.WriteLine($"{p.Line},{CsvField(p.Id)},{CsvField(p.Reason)}");
                failureReport?.Flush();
                bar.Message($"line {p.Line} (id {p.Id}): {p.Reason}");
            }
        }
        foreach (var p in csvProblems) { Fail(p); Interlocked.Increment(ref done); }
        bar.Update(done, imported, skipped, failures.Count);

        await Parallel.ForEachAsync(rows, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = ct },
            async (row, token) =>
            {
                var (outcome, reason) = await client.ImportAsync(row, force, token);
                switch (outcome)
                {
                    case SendOutcome.Imported: Interlocked.Increment(ref imported); break;
                    case SendOutcome.Skipped: Interlocked.Increment(ref skipped); break;
                    default: Fail(new RowProblem(row.Line, row.Id, reason ?? "failed")); break;
                }
                int now = Interlocked.Increment(ref done);
                lock (gate) bar.Update(now, imported, skipped, failures.Count);
            });
        lock (gate) bar.Finish(done, imported, skipped, failures.Count);
        return new ImportSummary(total, imported, skipped, failures.Count, failures.OrderBy(f => f.Line).ToArray(), clock.Elapsed);
    }

    private static string CsvField(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}

/// <summary>
/// A progress bar on a terminal (redrawn in place); when the output is a file or pipe, a progress line every 5 % or
/// 10 s, so a log file shows how far an import got.
/// </summary>
public sealed class ProgressBar(TextWriter output, int total, string doneWord = "imported", string skippedWord = "skipped")
{
    private readonly bool _interactive = ReferenceEquals(output, Console.Error) && !Console.IsErrorRedirected
                                         || ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _lastLine = TimeSpan.Zero;
    private int _lastPercent = -1;

    public void Update(int done, int imported, int skipped, int failed)
    {
        if (_interactive)
        {
            output.Write("\r" + Line(done, imported, skipped, failed) + "   ");
            output.Flush();
            return;
        }
        int percent = total == 0 ? 100 : done * 100 / total;
        if (percent / 5 != _lastPercent / 5 || _clock.Elapsed - _lastLine > TimeSpan.FromSeconds(10))
        {
            _lastPercent = percent;
            _lastLine = _clock.Elapsed;
            output.WriteLine(Line(done, imported, skipped, failed));
            output.Flush();
        }
    }

    public void Message(string text)
    {
        if (_interactive) output.Write("\r" + new string(' ', 100) + "\r");
        output.WriteLine("failed: " + text);
    }

    public void Finish(int done, int imported, int skipped, int failed)
    {
        if (_interactive) output.WriteLine("\r" + Line(done, imported, skipped, failed));
        else output.WriteLine(Line(done, imported, skipped, failed));
        output.Flush();
    }

    private string Line(int done, int imported, int skipped, int failed)
    {
        const int width = 30;
        double fraction = total == 0 ? 1 : (double)done / total;
        int filled = (int)Math.Round(fraction * width);
        var seconds = _clock.Elapsed.TotalSeconds;
        var rate = seconds > 0 ? imported / seconds : 0;
        var eta = imported > 0 && done < total ? TimeSpan.FromSeconds((total - done) / Math.Max(rate, 1e-6)) : TimeSpan.Zero;
        return string.Create(CultureInfo.InvariantCulture,
            $"[{new string('#', filled)}{new string('.', width - filled)}] {done}/{total} {fraction:P0}  {doneWord} {imported}, {skippedWord} {skipped}, failed {failed}  {rate:0.0}/s  eta {eta:hh\\:mm\\:ss}");
    }
}
