using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Ootd.Inference.Imaging;

/// <summary>
/// A pixel-based second opinion on an item's main colour: the most populated coarse colour bin of the crop's
/// central region (near-white studio background ignored), named by the nearest palette colour in Lab space.
/// </summary>
public static class PixelColourEstimator
{
    public static IReadOnlyList<(string Name, Rgb24 Rgb)> Palette { get; } =
    [
        ("Black", new Rgb24(25, 25, 28)), ("White", new Rgb24(245, 245, 245)), ("Grey", new Rgb24(128, 128, 132)),
        ("Navy Blue", new Rgb24(35, 45, 85)), ("Blue", new Rgb24(50, 100, 190)), ("Red", new Rgb24(190, 30, 40)),
        ("Maroon", new Rgb24(110, 25, 40)), ("Pink", new Rgb24(235, 140, 170)), ("Purple", new Rgb24(110, 60, 140)),
        ("Green", new Rgb24(50, 130, 70)), ("Olive", new Rgb24(110, 110, 50)), ("Yellow", new Rgb24(235, 205, 50)),
        ("Orange", new Rgb24(240, 120, 40)), ("Brown", new Rgb24(110, 70, 40)), ("Beige", new Rgb24(215, 195, 160)),
        ("Silver", new Rgb24(190, 190, 195)), ("Teal", new Rgb24(30, 120, 125)),
    ];

    public static string Estimate(Image<Rgb24> image, PixelBox box)
    {
        var b = box.ClampTo(image.Width, image.Height);
        int x0 = (int)(b.X0 + b.Width * 0.2f), x1 = (int)(b.X1 - b.Width * 0.2f);
        int y0 = (int)(b.Y0 + b.Height * 0.2f), y1 = (int)(b.Y1 - b.Height * 0.2f);
        if (x1 <= x0) { x0 = (int)b.X0; x1 = Math.Max(x0 + 1, (int)b.X1); }
        if (y1 <= y0) { y0 = (int)b.Y0; y1 = Math.Max(y0 + 1, (int)b.Y1); }
        x1 = Math.Min(x1, image.Width); y1 = Math.Min(y1, image.Height);
        var count = new int[4096]; var sums = new long[4096 * 3];
        int stepX = Math.Max(1, (x1 - x0) / 64), stepY = Math.Max(1, (y1 - y0) / 64);
        image.ProcessPixelRows(rows =>
        {
            for (int y = y0; y < y1; y += stepY)
            {
                var row = rows.GetRowSpan(y);
                for (int x = x0; x < x1; x += stepX)
                {
                    var p = row[x];
                    if (p.R > 235 && p.G > 235 && p.B > 235) continue;
                    int bin = (p.R >> 4) << 8 | (p.G >> 4) << 4 | (p.B >> 4);
                    count[bin]++; sums[3 * bin] += p.R; sums[3 * bin + 1] += p.G; sums[3 * bin + 2] += p.B;
                }
            }
        });
        // Smooth: score each bin by itself plus its neighbours, so a spread colour still wins.
        int bestBin = -1; int bestScore = 0;
        for (int bin = 0; bin < 4096; bin++)
        {
            if (count[bin] == 0) continue;
            int r = bin >> 8, g = (bin >> 4) & 15, bl = bin & 15, score = 0;
            for (int dr = -1; dr <= 1; dr++) for (int dg = -1; dg <= 1; dg++) for (int db = -1; db <= 1; db++)
            {
                int rr = r + dr, gg = g + dg, bb = bl + db;
                if ((uint)rr < 16 && (uint)gg < 16 && (uint)bb < 16) score += count[rr << 8 | gg << 4 | bb];
            }
            if (score > bestScore) { bestScore = score; bestBin = bin; }
        }
        if (bestBin < 0) return "White";
        var mean = new Rgb24((byte)(sums[3 * bestBin] / count[bestBin]), (byte)(sums[3 * bestBin + 1] / count[bestBin]), (byte)(sums[3 * bestBin + 2] / count[bestBin]));
        return Nearest(mean);
    }

    public static string Nearest(Rgb24 colour)
    {
        var lab = Lab(colour);
        return Palette.MinBy(p => Distance(lab, Lab(p.Rgb))).Name;
    }

    private static double Distance((double L, double A, double B) x, (double L, double A, double B) y) =>
        (x.L - y.L) * (x.L - y.L) + (x.A - y.A) * (x.A - y.A) + (x.B - y.B) * (x.B - y.B);

    private static (double L, double A, double B) Lab(Rgb24 c)
    {
        static double Lin(byte v) { double s = v / 255.0; return s <= 0.04045 ? s / 12.92 : Math.Pow((s + 0.055) / 1.055, 2.4); }
        double r = Lin(c.R), g = Lin(c.G), b = Lin(c.B);
        double x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, y = 0.2126 * r + 0.7152 * g + 0.0722 * b, z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
        static double F(double t) => t > 0.008856 ? Math.Cbrt(t) : 7.787 * t + 16.0 / 116;
        return (116 * F(y) - 16, 500 * (F(x) - F(y)), 200 * (F(y) - F(z)));
    }
}
