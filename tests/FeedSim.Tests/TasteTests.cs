using Xunit;

namespace Ootd.FeedSim.Tests;

/// <summary>The simulator's hidden tastes: defined by the CCP garment labels of each photo, assigned round robin.</summary>
public sealed class TasteTests
{
    private static CcpPhoto Photo(params string[] garments) => new("x.jpg", "test", garments.ToHashSet());

    [Fact]
    public void Viewers_are_spread_round_robin_over_the_taste_groups()
    {
        var groups = Enumerable.Range(0, 60).Select(v => Tastes.GroupOf(v, 6)).ToList();
        Assert.Equal([0, 1, 2, 3, 4, 5, 0], groups.Take(7));
        Assert.All(Enumerable.Range(0, 6), g => Assert.Equal(10, groups.Count(x => x == g)));
        // 7 viewers over 6 groups: group 0 gets two, the others one each
        Assert.Equal(2, Enumerable.Range(0, 7).Count(v => Tastes.GroupOf(v, 6) == 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tastes.GroupOf(0, 0));
    }

    [Fact]
    public void A_taste_matches_a_photo_showing_any_of_its_garments_and_nothing_else()
    {
        var dresses = Tastes.Default.Single(t => t.Name == "dresses");
        var tailored = Tastes.Default.Single(t => t.Name == "tailored");
        Assert.True(dresses.Matches(Photo("romper", "heels")));
        Assert.True(dresses.Matches(Photo("dress")));
        Assert.False(dresses.Matches(Photo("skirt", "blouse")));
        Assert.True(tailored.Matches(Photo("suit", "shoes")));
        Assert.False(tailored.Matches(Photo("pants", "shirt")));   // trousers alone are not tailoring
        Assert.False(tailored.Matches(Photo()));
    }

    [Fact]
    public void Base_rate_is_the_share_of_posted_photos_matching_the_taste()
    {
        var jeans = Tastes.Default.Single(t => t.Name == "jeans");
        CcpPhoto[] posted = [Photo("jeans", "shoes"), Photo("dress"), Photo("jeans"), Photo("skirt")];
        Assert.Equal(0.5, Tastes.BaseRate(jeans, posted));
        Assert.Equal(0, Tastes.BaseRate(jeans, []));
    }

    [Fact]
    public void Ccp_reader_keeps_garment_labels_of_at_least_1500_pixels_of_the_asked_split()
    {
        var folder = Directory.CreateTempSubdirectory("feedsim-ccp").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "photos"));
            foreach (var image in new[] { "0001.jpg", "0002.jpg", "0003.jpg" }) File.WriteAllBytes(Path.Combine(folder, "photos", image), [0xFF, 0xD8]);
            File.WriteAllLines(Path.Combine(folder, "splits.csv"), ["image,split", "0001.jpg,test", "0002.jpg,test", "0003.jpg,train"]);
            File.WriteAllLines(Path.Combine(folder, "ccp_boxes.csv"),
            [
                "image,width,height,label_id,tag,garment,x0,y0,x1,y1,pixels",
                "0001.jpg,550,832,14,dress,True,1,1,100,100,20000",
                "0001.jpg,550,832,39,shoes,True,1,1,10,10,1499",      // too small: label noise
                "0001.jpg,550,832,19,hair,False,1,1,100,100,9000",     // not a garment
                "0002.jpg,550,832,25,jeans,True,1,1,100,100,1500",
                "0003.jpg,550,832,42,skirt,True,1,1,100,100,30000",    // train split
            ]);
            var photos = CcpPhotos.Read(folder, "test");
            Assert.Equal(["0001.jpg", "0002.jpg"], photos.Select(p => p.Image));
            Assert.Equal(["dress"], photos[0].Garments);
            Assert.Equal(["jeans"], photos[1].Garments);
            // Several splits, comma-separated: each photo keeps its own split.
            var both = CcpPhotos.Read(folder, "test, train");
            Assert.Equal(["0001.jpg", "0002.jpg", "0003.jpg"], both.Select(p => p.Image));
            Assert.Equal(["test", "test", "train"], both.Select(p => p.Split));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Fact]
    public void The_posts_csv_names_each_post_its_photo_garments_and_which_tastes_it_matches()
    {
        var id = Guid.Parse("00000000-0000-0000-0000-000000000001");
        var lines = PostsCsv.Lines([(id, new CcpPhoto("0007.jpg", "val", new HashSet<string> { "skirt", "boots", "blazer" }))], Tastes.Default).ToList();
        Assert.Equal("ootd_id,image,garments,dresses,jeans,skirts,coats,tailored,summer", lines[0]);
        Assert.Equal("00000000-0000-0000-0000-000000000001,0007.jpg,blazer boots skirt,0,0,1,0,1,0", lines[1]);
        Assert.Equal(2, lines.Count);
    }

    [Fact]
    public void Tastes_are_read_from_a_file_one_a_line_with_their_labels_and_declared_tags()
    {
        var tastes = Tastes.Parse(
        [
            "# comment",
            "",
            "knitwear: sweater cardigan, jumper | knit_sweater cardigan",
            "  hats:hat,scarf|  ",
            "legwear: stockings leggings",
        ]);
        Assert.Equal(["knitwear", "hats", "legwear"], tastes.Select(t => t.Name));
        Assert.Equal(["sweater", "cardigan", "jumper"], tastes[0].CcpTags);
        Assert.Equal(["knit_sweater", "cardigan"], tastes[0].StyleTags);
        Assert.Equal(["hat", "scarf"], tastes[1].CcpTags);
        Assert.Empty(tastes[1].StyleTags);
        Assert.Empty(tastes[2].StyleTags);
        Assert.True(tastes[1].Matches(Photo("scarf", "coat")));
        Assert.False(tastes[0].Matches(Photo("coat")));
    }

    [Theory]
    [InlineData("knitwear sweater", "line 1")]                       // no colon
    [InlineData(": sweater", "one word before the colon")]           // no name
    [InlineData("knit wear: sweater", "one word before the colon")]  // a name with a space
    [InlineData("knit,wear: sweater", "one word before the colon")]  // a comma would split the posts CSV's column
    [InlineData("knitwear: | knit_sweater", "names no CCP label")]
    [InlineData("knitwear: a | b | c", "more than one")]
    [InlineData("# only a comment", "no taste")]
    public void A_bad_taste_file_is_refused_with_the_line_and_reason(string line, string reason)
    {
        var e = Assert.Throws<FormatException>(() => Tastes.Parse([line]));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void A_taste_defined_twice_is_refused()
    {
        var e = Assert.Throws<FormatException>(() => Tastes.Parse(["a: x", "b: y", "a: z"]));
        Assert.Contains("line 3", e.Message);
    }

    [Fact]
    public void The_held_out_taste_file_beside_the_simulator_reads()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "tools", "FeedSim", "tastes-heldout.txt"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var tastes = Tastes.Parse(File.ReadLines(Path.Combine(dir.FullName, "tools", "FeedSim", "tastes-heldout.txt")));
        Assert.Equal(["knitwear", "trousers", "legwear", "purses", "hats"], tastes.Select(t => t.Name));
        // none of them is one of the six tastes the feed was measured on while it was built
        Assert.Empty(tastes.SelectMany(t => t.CcpTags).Intersect(Tastes.Default.SelectMany(t => t.CcpTags)));
    }
}
