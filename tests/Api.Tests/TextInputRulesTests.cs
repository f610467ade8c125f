using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Ootd.Grains.Common;

namespace Ootd.Tests.Api;

/// <summary>
/// One rule for every text field of every route (JSON bodies, multipart form fields, query parameters, product
/// fields): control characters other than tab and line breaks are refused with 400 naming the field, and nothing is
/// stored. Before, NUL was stored as is in display names, descriptions and hashtags, was a 500 in product fields
/// (PostgreSQL 22021) and a 503 "Database unavailable" in a login username.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class TextInputRulesTests(FaultFixture cluster)
{
    private HttpClient Http => cluster.Http;

    [Fact]
    public async Task A_nul_in_a_sign_up_field_is_400_and_creates_nothing()
    {
        var username = ApiCalls.NewUsername("nul");
        using var response = await Http.PostJson("api/v1/users", new { username, password = "correct horse battery", displayName = "Zoe\u0000" });
        var problem = await response.AssertProblem(HttpStatusCode.BadRequest);
        Assert.Contains("U+0000", (string)problem["errors"]!["displayName"]![0]!);

        // Nothing was created: the username is still free.
        using var clean = await Http.PostJson("api/v1/users", new { username, password = "correct horse battery", displayName = "Zoe" });
        Assert.Equal(HttpStatusCode.Created, clean.StatusCode);
    }

    [Fact]
    public async Task A_nul_in_a_login_username_is_400_not_a_database_error()
    {
        var user = await Http.SignUp();
        using var response = await Http.PostJson("api/v1/auth/token", new { username = user.Username + "\u0000", password = user.Password });
        var problem = await response.AssertProblem(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["username"]);
    }

    [Fact]
    public async Task A_control_character_in_a_style_tag_is_400_and_the_profile_is_unchanged()
    {
        var user = await Http.SignUp(displayName: "Tag Tester");
        using var response = await Http.Send(HttpMethod.Put, "api/v1/users/me/profile", user.Token,
            JsonContent.Create(new { displayName = "Tag Tester", styleTags = new[] { "minimal", "bell\u0007" } }));
        var problem = await response.AssertProblem(HttpStatusCode.BadRequest);
        Assert.Contains("U+0007", (string)problem["errors"]!["styleTags[1]"]![0]!);

        var profile = await (await Http.GetAsync($"api/v1/users/{user.Id}")).Json();
        Assert.Equal(["minimal", "street"], profile["styleTags"]!.AsArray().Select(t => (string)t!).ToArray());
    }

    [Theory]
    [InlineData("Linen\u0000shirt", "#summer", "description")]
    [InlineData("Linen shirt", "#sum\u0000mer", "hashtags")]
    [InlineData("Escape \u001b[31mred", "#summer", "description")]
    public async Task A_control_character_in_an_upload_form_field_is_400_and_nothing_is_stored(string description, string hashtags, string field)
    {
        var user = await Http.SignUp();
        var mediaBefore = await cluster.CountRows("media");
        using var response = await Http.Upload(user.Token, ApiCalls.UploadForm(TestPhotos.Jpeg(90, 120, 77), description, hashtags));
        var problem = await response.AssertProblem(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]![field]);

        var posts = await (await Http.GetAsync($"api/v1/users/{user.Id}/ootds")).Json();
        Assert.Equal(0, (int)posts["total"]!);
        Assert.Equal(mediaBefore, await cluster.CountRows("media"));
    }

    [Fact]
    public async Task Tabs_and_line_breaks_are_text_and_are_stored_as_given()
    {
        var user = await Http.SignUp();
        const string description = "Linen shirt\twide jeans\r\nsecond line\nthird";
        var ootd = await Http.UploadOk(user.Token, TestPhotos.Jpeg(90, 120, 78), description, "#summer");
        var post = await (await Http.GetAsync($"api/v1/ootds/{ootd}")).Json();
        Assert.Equal(description, (string)post["description"]!);
    }

    [Fact]
    public async Task A_control_character_in_a_query_parameter_is_400_naming_it()
    {
        var user = await Http.SignUp();
        using var response = await Http.GetAsync($"api/v1/users/{user.Id}/ootds?offset=0&note=%00");
        var problem = await response.AssertProblem(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["note"]);
        Assert.Contains("note", (string)problem["detail"]!);
    }

    [Theory]
    [InlineData("title")]
    [InlineData("brand")]
    [InlineData("category")]
    public async Task A_nul_in_a_product_field_is_400_not_500(string field)
    {
        var admin = await cluster.AdminToken();
        var id = "nul-" + field + "-" + Guid.NewGuid().ToString("N")[..8];
        var fields = new Dictionary<string, string>
        {
            ["id"] = id, ["title"] = "Wide-leg jeans", ["brand"] = "Denim Co", ["price"] = "59.90", ["currency"] = "EUR",
            ["shopUrl"] = "https://shop.example/p/1", ["category"] = "jeans",
        };
        fields[field] = "Den\u0000im";
        using var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields) form.Add(new StringContent(value, Encoding.UTF8), name);
        var image = new ByteArrayContent(TestPhotos.Jpeg(120, 160, 43));
        image.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(image, "image", "product.jpg");

        using var response = await Http.Send(HttpMethod.Post, "api/v1/products", admin, form);
        var problem = await response.AssertProblem(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]![field]);
        using var read = await Http.GetAsync($"api/v1/products/{id}");
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }
}

/// <summary>The character rule itself (no cluster).</summary>
public sealed class TextRulesTests
{
    [Theory]
    [InlineData("Linen shirt, wide jeans")]
    [InlineData("tab\there, line\nbreak, windows\r\nbreak")]
    [InlineData("émoji 👗 and 中文")]
    [InlineData("")]
    public void Ordinary_text_passes(string text)
    {
        Assert.Null(TextRules.Check(text));
        Assert.True(TextRules.IsAcceptable(text));
    }

    [Theory]
    [InlineData("nul\u0000", 4)]
    [InlineData("\u001b[31m", 1)]
    [InlineData("del\u007f", 4)]
    [InlineData("next line \u0085", 11)]
    [InlineData("bell \u0007", 6)]
    public void Control_characters_are_refused_with_their_position(string text, int position)
    {
        var why = TextRules.Check(text);
        Assert.NotNull(why);
        Assert.Contains($"position {position}", why);
        Assert.Equal(position - 1, TextRules.FindForbidden(text));
    }

    [Fact]
    public void Unpaired_surrogates_are_refused_and_pairs_pass()
    {
        // Built at run time: a lone surrogate does not survive as theory data.
        Assert.Equal(5, TextRules.FindForbidden("lone " + '\ud83d' + " surrogate"));
        Assert.Equal(9, TextRules.FindForbidden("reversed " + '\udc57' + '\ud83d'));
        Assert.Equal(-1, TextRules.FindForbidden("pair " + '\ud83d' + '\udc57'));
        Assert.Contains("surrogate", TextRules.Check("x" + '\ud83d'));
    }
}
