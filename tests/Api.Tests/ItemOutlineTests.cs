using System.Text.Json;
using Ootd.Api.Catalog;
using Ootd.Grains.Inference;
using Xunit;

namespace Ootd.Tests.Api;

/// <summary>How a garment's mask outline reaches a client: the largest region as [x, y] points, every region as stored.</summary>
public class ItemOutlineTests
{
    [Fact]
    public void The_item_json_carries_the_largest_region_as_points_and_every_region()
    {
        float[] small = [0, 0, 10, 0, 10, 10, 0, 10];
        float[] large = [100, 100, 200, 100, 200, 250, 100, 250];
        var item = new OotdItem(new ItemBox(0, 0, 200, 250), "shoes", 0.9f, "sneakers", 0.8f, 0.7f, [], [], "black") { Outline = [small, large] };
        var response = ItemResponse.From(0, item, []);
        Assert.Equal(new[] { new float[] { 100, 100 }, [200, 100], [200, 250], [100, 250] }, response.Outline);
        Assert.Equal(2, response.OutlineRegions!.Count);
        var json = JsonSerializer.Serialize(response, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        Assert.Contains("\"outline\":[[100,100],[200,100],[200,250],[100,250]]", json);
        Assert.Null(ItemResponse.From(0, item with { Outline = null }, []).Outline);
    }

    [Fact]
    public void Boxes_reach_a_client_at_a_tenth_of_a_pixel_on_the_post_and_on_its_card()
    {
        var item = new OotdItem(new ItemBox(137.5f, 149.96666f, 357.54f, 361.28333f), "top", 0.9f, "tshirt", 0.8f, 0.7f, [], [], "White");
        var response = ItemResponse.From(0, item, []);
        Assert.Equal(new ItemBox(137.5f, 150f, 357.5f, 361.3f), response.Box);
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Assert.Equal("""{"x0":137.5,"y0":150,"x1":357.5,"y1":361.3}""", JsonSerializer.Serialize(ItemCard.From(response).Box, web));
    }
}
