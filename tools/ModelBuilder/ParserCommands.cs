namespace Ootd.ModelBuilder;

/// <summary>`parser …`: the garment parser's data, training and report.</summary>
public static class ParserCommands
{
    public static int Run(string[] args, int workers)
    {
        if (args.Length >= 2 && args[0] == "features") return ParserData.Features([.. args[1..].Select(int.Parse)]);
        if (args.Length >= 2 && args[0] == "train")
        {
            int hidden = ParserTraining.DefaultHidden;
            int h = Array.IndexOf(args, "--hidden");
            if (h > 0 && h + 1 < args.Length) hidden = int.Parse(args[h + 1]);
            return ParserTraining.Train(int.Parse(args[1]), args.Contains("--write"), hidden);
        }
        if (args.Length >= 1 && args[0] == "report") return ParserReport.Report();
        Console.Error.WriteLine("parser features AREA… | parser train AREA [--write] | parser report");
        return 2;
    }
}
