using Microsoft.Playwright;

namespace Ootd.Tests.Web;

/// <summary>Screenshots of a screen at a phone's and a desktop's width, saved under .data/screenshots.</summary>
public static class Screens
{
    public static readonly int[] Widths = [390, 1280];

    public static async Task Shoot(IPage page, string folder, string name)
    {
        var original = page.ViewportSize ?? new() { Width = 390, Height = 844 };
        foreach (var width in Widths)
        {
            await page.SetViewportSizeAsync(width, width < 600 ? 844 : 800);
            await page.WaitForTimeoutAsync(150); // layout and lazy images after the resize
            await page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"{name}-{width}.png"), Animations = ScreenshotAnimations.Disabled });
        }
        await page.SetViewportSizeAsync(original.Width, original.Height);
    }
}
