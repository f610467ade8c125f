using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Ootd.Tests.Web;

/// <summary>
/// The issue's "Must show" journey in a real browser (Debian's Chromium through Playwright) against the running
/// platform: sign up → post a real photo → garments outlined → open one → similar products → like from the feed →
/// follow a suggested leader → a second browser sees the new post arrive live. Every screen is photographed at
/// 390 and 1280 px under .data/screenshots.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class JourneyTests(WebFixture web)
{
    private static readonly TimeSpan Analysis = TimeSpan.FromSeconds(150);
    private string Shots => web.ScreenshotFolder;

    private static async Task<Guid> SessionUser(IPage page) =>
        Guid.Parse(await page.EvaluateAsync<string>("() => JSON.parse(localStorage.getItem('ootd.session')).userId"));

    private async Task<IPage> SignUp(IBrowserContext context, string username, string displayName, bool shoot)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/signin$"));
        if (shoot) await Screens.Shoot(page, Shots, "01-sign-in");
        await page.GetByRole(AriaRole.Link, new() { Name = "Create an account" }).ClickAsync();
        await page.GetByLabel("Username").FillAsync(username);
        await page.GetByLabel("Display name").FillAsync(displayName);
        await page.GetByLabel("Password").FillAsync(WebFixture.Password);
        if (shoot) await Screens.Shoot(page, Shots, "02-sign-up");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign up" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "For you" })).ToBeVisibleAsync();
        return page;
    }

    private static async Task PostOutfit(IPage page, string photo, string description, string hashtags)
    {
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Post" }).ClickAsync();
        await page.GetByLabel("Choose a photo file").SetInputFilesAsync(photo);
        await page.GetByLabel("Description").FillAsync(description);
        await page.GetByLabel("Hashtags").FillAsync(hashtags);
    }

    [Fact]
    public async Task A_new_user_posts_an_outfit_shops_a_garment_likes_follows_and_a_follower_sees_the_next_post_live()
    {
        await using var phone = await web.NewContext(390);
        await using var desktop = await web.NewContext(1280);
        try
        {
            await Journey(phone, desktop);
        }
        catch
        {
            // what the browsers showed when it failed, for the failure message's reader
            var n = 0;
            foreach (var p in phone.Pages.Concat(desktop.Pages))
                await p.ScreenshotAsync(new() { Path = Path.Combine(Shots, $"failure-{++n}.png") });
            throw;
        }
    }

    private async Task Journey(IBrowserContext phone, IBrowserContext desktop)
    {
        // the shop is outside this machine: answer its pages here so that the link can be followed
        await phone.RouteAsync("https://shop.example/**", r => r.FulfillAsync(new() { Status = 200, ContentType = "text/html", Body = "<h1>Shop</h1>" }));
        var username = ApiCalls.NewUsername("mia");
        var page = await SignUp(phone, username, "Mia Rossi", shoot: true);
        var me = await SessionUser(page);

        // --- post a real photo: progress, the analysing state, then the garments outlined --------------------------
        await PostOutfit(page, WebFixture.OutfitPhoto(1), "Camel coat over a striped tee, my Monday look", "#ootd #monday #camel");
        await Screens.Shoot(page, Shots, "03-post");
        await page.GetByRole(AriaRole.Button, new() { Name = "Share" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/o/[0-9a-f-]{36}$"), new() { Timeout = 60_000 });
        var ootdId = Guid.Parse(page.Url[^36..]);
        var analysing = page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Analysing" });
        if (await analysing.IsVisibleAsync()) await Screens.Shoot(page, Shots, "04-analysing");
        var garments = page.GetByRole(AriaRole.Heading, new() { NameRegex = new Regex("^\\d+ garments?$") });
        await Assertions.Expect(garments).ToBeVisibleAsync(new() { Timeout = (float)Analysis.TotalMilliseconds });
        var outlines = page.Locator("svg .garment");
        var count = await outlines.CountAsync();
        Assert.True(count >= 1, "no garment outlined");
        var post = await web.Http.GetJsonWhenServed($"api/v1/ootds/{ootdId}");
        Assert.Equal(post["items"]!.AsArray().Count, count); // one outline per garment the API reports
        Assert.Contains($"{count} garment", await garments.InnerTextAsync());

        // --- open a garment: similar products with image, brand, price and a shop link that records the click -----
        // The journey's catalogue is 12 products, so a garment may have none (the parser finds the coat, and the
        // catalogue's jackets are filed as tops): such a garment says so; the first garment with products is shopped.
        var items = post["items"]!.AsArray();
        var shopIndex = items.Select((item, i) => (item, i)).FirstOrDefault(x => x.item!["similarProducts"]!.AsArray().Count > 0, (null, -1)).Item2;
        Assert.True(shopIndex >= 0, "no garment of the post has a similar product");
        var bare = items.Select((item, i) => (item, i)).FirstOrDefault(x => x.item!["similarProducts"]!.AsArray().Count == 0, (null, -1)).Item2;
        if (bare >= 0)
        {
            await outlines.Nth(bare).ClickAsync();
            await Assertions.Expect(page.GetByText("No similar products in the catalogue yet.")).ToBeVisibleAsync();
        }
        await outlines.Nth(shopIndex).ClickAsync();
        var products = page.GetByRole(AriaRole.List, new() { Name = "Similar products" }).GetByRole(AriaRole.Listitem);
        await Assertions.Expect(products.First).ToBeVisibleAsync();
        Assert.InRange(await products.CountAsync(), 1, 50);
        var first = products.First;
        await first.ScrollIntoViewIfNeededAsync();
        await page.WaitForFunctionAsync( // the product's picture is shown (loaded, not broken)
            "() => { const i = document.querySelector('ul[aria-label=\"Similar products\"] li img'); return i && i.complete && i.naturalWidth > 0; }");
        Assert.False(string.IsNullOrWhiteSpace(await first.Locator(".product-brand").InnerTextAsync()));
        Assert.Matches(new Regex("€|EUR"), await first.Locator(".price").InnerTextAsync());
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await Screens.Shoot(page, Shots, "05-outfit-garments");
        await products.First.ScrollIntoViewIfNeededAsync();
        await Screens.Shoot(page, Shots, "05b-outfit-garment-products");
        var click = page.WaitForResponseAsync(r => r.Url.Contains("/clicks") && r.Request.Method == "POST");
        var popup = page.WaitForPopupAsync();
        await first.GetByRole(AriaRole.Link, new() { Name = "Shop" }).ClickAsync();
        Assert.Equal(204, (await click).Status);
        await using (var shop = await popup) Assert.StartsWith("https://shop.example/products/", shop.Url);

        // keyboard: a garment outline is focusable and Enter selects it
        await outlines.Last.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        Assert.Equal("true", await outlines.Last.GetAttributeAsync("aria-pressed"));

        // a comment on the post
        await page.GetByLabel("Add a comment").FillAsync("Thanks for the tips!");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await Assertions.Expect(page.Locator(".comments li").Filter(new() { HasText = "Thanks for the tips!" })).ToBeVisibleAsync();

        // --- like from the feed ---------------------------------------------------------------------------------------
        var home = page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Home" });
        await home.ClickAsync();
        var cards = page.Locator("article.post");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await cards.CountAsync() == 0 && DateTime.UtcNow < deadline)
        {
            await page.WaitForTimeoutAsync(2000);
            await page.ReloadAsync();
            await page.Locator("main h1").WaitForAsync();
            await page.WaitForTimeoutAsync(500);
        }
        Assert.True(await cards.CountAsync() > 0, "the new user's feed stays empty");
        await Screens.Shoot(page, Shots, "06-feed");
        var card = cards.First;
        var likedId = Guid.Parse((await card.GetAttributeAsync("data-ootd"))!);
        var likedPost = await web.Http.GetJsonWhenServed($"api/v1/ootds/{likedId}");
        var before = (long)likedPost["likeCount"]!;
        // the card names each garment the post has, from the list card's items
        var garmentNames = likedPost["items"]!.AsArray()
            .Select(i => Regex.Replace(((string)i!["subCategory"]!).Replace('_', ' '), "([a-z])([A-Z])", "$1 $2").ToLowerInvariant()).ToArray();
        Assert.Equal(garmentNames, await card.Locator(".garments li").AllInnerTextsAsync());
        var like = card.GetByRole(AriaRole.Button, new() { Name = "Like" });
        await like.ClickAsync();
        await Assertions.Expect(card.GetByRole(AriaRole.Button, new() { Name = "Unlike" })).ToHaveAttributeAsync("aria-pressed", "true");
        await Assertions.Expect(card.Locator(".like-count")).ToHaveTextAsync((before + 1).ToString());
        Assert.Equal(before + 1, (long)(await web.Http.GetJsonWhenServed($"api/v1/ootds/{likedId}"))["likeCount"]!);

        // --- follow a suggested leader ----------------------------------------------------------------------------
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Explore" }).ClickAsync();
        var leaders = page.Locator(".who-to-follow .people li");
        await Assertions.Expect(leaders.First).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Screens.Shoot(page, Shots, "07-explore");
        var suggested = leaders.First;
        var leaderId = Guid.Parse((await suggested.Locator("a.author").GetAttributeAsync("href"))!["/u/".Length..]);
        await suggested.GetByRole(AriaRole.Button, new() { Name = "Follow" }).ClickAsync();
        await Assertions.Expect(suggested.GetByRole(AriaRole.Button, new() { Name = "Following" })).ToBeVisibleAsync();
        var following = await web.Http.GetJsonWhenServed($"api/v1/users/{me}/following?limit=100");
        Assert.Contains(following["items"]!.AsArray(), u => (string)u!["id"]! == leaderId.ToString());

        // --- profile, edit profile, followers -----------------------------------------------------------------------
        await page.GotoAsync($"/u/{leaderId}");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Following" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".grid li").First).ToBeVisibleAsync();
        await Screens.Shoot(page, Shots, "08-profile-leader");
        await page.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("followers") }).ClickAsync();
        await Assertions.Expect(page.Locator(".people li").First).ToBeVisibleAsync();
        await Screens.Shoot(page, Shots, "09-followers");
        await page.GotoAsync("/u/me");
        await page.GetByRole(AriaRole.Button, new() { Name = "Edit profile" }).ClickAsync();
        await page.GetByLabel("Body shape").SelectOptionAsync("hourglass");
        await page.GetByLabel("Style tags (comma separated)").FillAsync("minimal, street");
        await page.GetByLabel("Avatar").SetInputFilesAsync(WebFixture.OutfitPhoto(4));
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Saved." })).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Screens.Shoot(page, Shots, "10-profile-edit");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(page.GetByText("hourglass shape")).ToBeVisibleAsync();
        var saved = await web.Http.GetJsonWhenServed($"api/v1/users/{me}");
        Assert.Equal("hourglass", (string)saved["bodyShape"]!);
        Assert.Equal(["minimal", "street"], saved["styleTags"]!.AsArray().Select(t => (string)t!).ToArray());
        await Screens.Shoot(page, Shots, "11-profile-own");
        Assert.False(string.IsNullOrEmpty((string?)saved["avatarUrl"]), "the avatar was not saved");
        await Assertions.Expect(page.Locator(".profile-head img.avatar")).ToBeVisibleAsync();

        // --- search by photo, people search, hashtag page ---------------------------------------------------------
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Search" }).ClickAsync();
        await page.GetByLabel("Photo to search with").SetInputFilesAsync(WebFixture.OutfitPhoto(2));
        await Assertions.Expect(page.GetByRole(AriaRole.List, new() { Name = "Similar products" })).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await page.GetByLabel("Search people by name, or a #hashtag").FillAsync(username[..6]);
        await Assertions.Expect(page.Locator(".people li").Filter(new() { HasText = "@" + username })).ToBeVisibleAsync();
        await Screens.Shoot(page, Shots, "12-search");
        await page.GetByLabel("Search people by name, or a #hashtag").FillAsync("#monday");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/tags/monday$"));
        await Assertions.Expect(page.Locator($".grid a[href='/o/{ootdId}']")).ToBeVisibleAsync();
        await Screens.Shoot(page, Shots, "13-hashtag");

        // --- a second browser (a desktop) follows Mia and sees her next post arrive live ---------------------------
        var friend = await SignUp(desktop, ApiCalls.NewUsername("leo"), "Leo Park", shoot: false);
        await friend.GotoAsync($"/u/{me}");
        await friend.GetByRole(AriaRole.Button, new() { Name = "Follow" }).ClickAsync();
        await Assertions.Expect(friend.GetByRole(AriaRole.Button, new() { Name = "Following" })).ToBeVisibleAsync();
        await friend.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Home" }).ClickAsync();
        await Assertions.Expect(friend.Locator(".live.on")).ToBeVisibleAsync(new() { Timeout = 20_000 }); // the stream is connected

        await PostOutfit(page, WebFixture.OutfitPhoto(3), "Sunday market: white shirt and wide trousers", "#ootd #sunday");
        await page.GetByRole(AriaRole.Button, new() { Name = "Share" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/o/[0-9a-f-]{36}$"), new() { Timeout = 60_000 });
        var secondId = page.Url[^36..];

        var banner = friend.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("new posts?") });
        await Assertions.Expect(banner).ToBeVisibleAsync(new() { Timeout = (float)Analysis.TotalMilliseconds });
        await Screens.Shoot(friend, Shots, "14-feed-new-post-live");
        await banner.ClickAsync();
        var arrived = friend.Locator($"article.post[data-ootd='{secondId}']");
        await Assertions.Expect(arrived).ToBeVisibleAsync();
        await Assertions.Expect(arrived).ToContainTextAsync("Sunday market");
    }
}
