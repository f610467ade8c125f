using Ootd.DemoSeed;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Ootd.Tests.Api;

/// <summary>Demo captions say what is in the photo: CCP's garment labels and the colour of their labelled pixels.</summary>
public sealed class DemoCaptionTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "ccp-" + Guid.NewGuid().ToString("N"));

    public DemoCaptionTests()
    {
        Directory.CreateDirectory(Path.Combine(folder, "photos"));
        Directory.CreateDirectory(Path.Combine(folder, "labels"));
        // 0001: white blouse (label 5) above a red skirt (label 42), black boots (label 7); skin (41) is not a garment.
        using var photo = new Image<Rgb24>(100, 200, new Rgb24(200, 200, 200));
        using var labels = new Image<L8>(100, 200, new L8(0));
        void Fill(int y0, int y1, Rgb24 colour, byte label)
        {
            for (var y = y0; y < y1; y++)
                for (var x = 20; x < 80; x++) { photo[x, y] = colour; labels[x, y] = new L8(label); }
        }
        Fill(10, 30, new Rgb24(230, 190, 160), 41);
        Fill(30, 90, new Rgb24(245, 245, 245), 5);
        Fill(90, 170, new Rgb24(200, 30, 35), 42);
        Fill(170, 200, new Rgb24(15, 15, 15), 7);
        photo.SaveAsJpeg(Path.Combine(folder, "photos", "0001.jpg"), new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder { Quality = 95 });
        labels.SaveAsPng(Path.Combine(folder, "labels", "0001.png"));
        File.WriteAllLines(Path.Combine(folder, "ccp_boxes.csv"),
        [
            "image,width,height,label_id,tag,garment,x0,y0,x1,y1,pixels",
            "0001.jpg,100,200,5,blouse,True,20,30,79,89,3600",
            "0001.jpg,100,200,7,boots,True,20,170,79,199,1800",
            "0001.jpg,100,200,41,skin,False,20,10,79,29,1200",
            "0001.jpg,100,200,42,skirt,True,20,90,79,169,4800",
            "0002.jpg,100,200,42,skirt,True,20,90,79,169,4800",   // one garment only: not used
        ]);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void A_ccp_caption_names_the_largest_garments_with_their_colours()
    {
        Assert.True(CcpPhotos.Exists(folder));
        var catalogue = CcpPhotos.Catalogue(folder);
        var only = Assert.Single(catalogue);
        var photo = CcpPhotos.Load(folder, only, "street");
        Assert.Equal("Red skirt, white blouse and black boots", photo.Description);
        Assert.Equal(["skirt", "blouse", "boots", "redskirt", "street"], photo.Hashtags);
        Assert.Equal(100, Image.Identify(photo.Jpeg).Width);
    }

    [Fact]
    public void Painted_captions_name_what_is_painted()
    {
        var photo = PaintedPhotos.Paint(new Random(7), 0, null);
        var outfit = DemoData.RandomOutfit(new Random(7));
        Assert.Contains(DemoData.NameOf(outfit.Shoes) + " shoes", photo.Description, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(DemoData.NameOf(outfit.Top) + (outfit.Dress ? " dress" : " top"), photo.Description, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(outfit.Jacket, photo.Garments.Contains("jacket"));
        Assert.Equal(outfit.Bag, photo.Garments.Contains("bag"));
    }
}
