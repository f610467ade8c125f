using System.Globalization;

namespace Ootd.RecEval;

/// <summary>Command-line parameters of one evaluation run.</summary>
public sealed record EvalSettings
{
    public int Users { get; init; } = 1500;
    public int Ootds { get; init; } = 2500;
    public int Days { get; init; } = 42;
    public int Seed { get; init; } = 1;
    /// <summary>Noise in style vectors and tags (std of the Gaussian added to the visual block; chance of a wrong tag).</summary>
    public double Noise { get; init; } = 0.3;
    /// <summary>How far tastes move from the first to the last day (0 = none, 1 = fully to the second taste).</summary>
    public double Drift { get; init; } = 0.3;
    public int Clusters { get; init; } = 12;
    public string? VectorsPath { get; init; }
    /// <summary>Where OOTD content comes from without --vectors: real photos through the project's models, or product labels.</summary>
    public ContentKind Content { get; init; } = ContentKind.Photos;
    public string FeaturesPath { get; init; } = FeatureCache.DefaultPath();
    public string? ModelsPath { get; init; }
    public string ProductsPath { get; init; } = "../shared/datasets/products/styles.csv";
    public bool Tune { get; init; }

    public static EvalSettings Parse(string[] args)
    {
        var s = new EvalSettings();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Int() { var v = Next(); return int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"{args[i - 1]}: '{v}' is not a positive integer."); }
            double Real() { var v = Next(); return double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= 0 && double.IsFinite(d) ? d : throw new ArgumentException($"{args[i - 1]}: '{v}' is not a number ≥ 0."); }
            s = args[i] switch
            {
                "--users" => s with { Users = Int() },
                "--ootds" => s with { Ootds = Int() },
                "--days" => s with { Days = Int() },
                "--seed" => s with { Seed = Int() },
                "--noise" => s with { Noise = Real() },
                "--drift" => s with { Drift = Math.Min(1, Real()) },
                "--clusters" => s with { Clusters = Int() },
                "--vectors" => s with { VectorsPath = Next() },
                "--content" => s with
                {
                    Content = Next() switch
                    {
                        "photos" => ContentKind.Photos,
                        "labels" => ContentKind.Labels,
                        var v => throw new ArgumentException($"--content: '{v}' is not photos or labels."),
                    },
                },
                "--features" => s with { FeaturesPath = Next() },
                "--models" => s with { ModelsPath = Next() },
                "--products" => s with { ProductsPath = Next() },
                "--tune" => s with { Tune = true },
                "--help" or "-h" => throw new HelpRequested(),
                _ => throw new ArgumentException($"Unknown option {args[i]}."),
            };
        }
        if (s.Users < 20) throw new ArgumentException("--users must be at least 20.");
        if (s.Ootds < 50) throw new ArgumentException("--ootds must be at least 50.");
        if (s.Days < 7) throw new ArgumentException("--days must be at least 7.");
        return s;
    }

    public const string Usage = """
        RecEval: offline evaluation of the OOTD recommender on a simulated fashion network.
          --users N      simulated users (default 1500)
          --ootds N      OOTD posts (default 2500)
          --days N       simulated days of activity (default 42)
          --seed N       random seed (default 1)
          --noise X      style-vector and tag noise (default 0.3)
          --drift X      taste drift over the run, 0..1 (default 0.3)
          --clusters N   latent style clusters (default 12)
          --content C    photos (default): style vectors and tags from real photos (CCP street photos and outfits
                         composed from product photos) through the project's models on cached backbone features;
                         labels: style vectors derived from product labels (no photos, no models)
          --features P   backbone feature cache (default <repository>/.data/features/items.bin; built by
                         dotnet run --project tools/ModelBuilder -c Release -- features items)
          --models P     folder of the model heads (default <repository>/models or OOTD_MODELS)
          --vectors P    OOTD style vectors, one OOTD per line (floats separated by spaces or commas); overrides --content
          --products P   products styles.csv (default ../shared/datasets/products/styles.csv)
          --tune         only print small grids (feed quotas × m₀, who-to-follow quotas) on the validation split
        """;
}

public sealed class HelpRequested : Exception;

public enum ContentKind { Photos, Labels }
