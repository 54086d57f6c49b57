using System.Text.RegularExpressions;
using ImageEdit.Images;

namespace ImageEdit.Tests;

public class ImageProbeTests
{
    public static IEnumerable<object[]> ValidPngSuiteFiles() =>
        Directory.GetFiles(TestPaths.PngSuite, "*.png").Where(f => !Path.GetFileName(f).StartsWith('x')).Select(f => new object[] { Path.GetFileName(f) });

    public static IEnumerable<object[]> CorruptPngSuiteFiles() =>
        Directory.GetFiles(TestPaths.PngSuite, "x*.png").Select(f => new object[] { Path.GetFileName(f) });

    [Theory]
    [MemberData(nameof(ValidPngSuiteFiles))]
    public void Every_valid_PngSuite_file_is_probed_right(string name)
    {
        var info = ImageProbe.Probe(Path.Combine(TestPaths.PngSuite, name));

        var (width, height) = ExpectedSize(name);
        Assert.Equal(ImageFormat.Png, info.Format);
        Assert.Equal(width, info.Width);
        Assert.Equal(height, info.Height);
        Assert.Equal(ExpectedAlpha(name), info.HasAlpha);
    }

    [Theory]
    [MemberData(nameof(CorruptPngSuiteFiles))]
    public void Every_corrupt_PngSuite_file_is_refused_with_a_reason(string name)
    {
        var error = Assert.ThrowsAny<InvalidImageException>(() => ImageProbe.Probe(Path.Combine(TestPaths.PngSuite, name)));
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Theory]
    [InlineData("lighthouse.png", "Png", 256, 256, true)]
    [InlineData("harbour.jpg", "Jpeg", 320, 240, false)]
    [InlineData("meadow.webp", "WebP", 240, 320, false)]
    public void Samples_are_probed_right(string name, string format, int width, int height, bool alpha)
    {
        var info = ImageProbe.Probe(Path.Combine(TestPaths.Samples, name));
        Assert.Equal((Enum.Parse<ImageFormat>(format), width, height, alpha), (info.Format, info.Width, info.Height, info.HasAlpha));
    }

    [Fact]
    public void Lossless_and_extended_WebP_headers_give_size_and_alpha()
    {
        var lossless = ImageEdit.TestServer.ImageFactory.Create(33, 17, "webp-lossless", 1, transparent: true);
        var info = ImageProbe.Probe(new MemoryStream(lossless));
        Assert.Equal((ImageFormat.WebP, 33, 17), (info.Format, info.Width, info.Height));
    }

    [Theory]
    [InlineData(new byte[0], "empty")]
    [InlineData(new byte[] { (byte)'G', (byte)'I', (byte)'F', (byte)'8', (byte)'9', (byte)'a', 1, 0, 1, 0, 0, 0 }, "signatures")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10 }, "past the end")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xD9 }, "frame header")]
    [InlineData(new byte[] { (byte)'R', (byte)'I', (byte)'F', (byte)'F', 0xFF, 0, 0, 0, (byte)'W', (byte)'E', (byte)'B', (byte)'P' }, "truncated")]
    public void Malformed_headers_are_refused(byte[] bytes, string reasonContains)
    {
        var error = Assert.ThrowsAny<InvalidImageException>(() => ImageProbe.Probe(new MemoryStream(bytes)));
        Assert.Contains(reasonContains, error.Message);
    }

    [Fact]
    public void A_truncated_png_is_refused()
    {
        byte[] whole = File.ReadAllBytes(Path.Combine(TestPaths.Samples, "lighthouse.png"));
        var error = Assert.ThrowsAny<InvalidImageException>(() => ImageProbe.Probe(new MemoryStream(whole[..(whole.Length - 20)])));
        Assert.Contains("PNG", error.Message);
    }

    private static (int, int) ExpectedSize(string name) => name switch
    {
        "cdfn2c08.png" => (8, 32),
        "cdhn2c08.png" => (32, 8),
        "cdsn2c08.png" => (8, 8),
        _ when Regex.Match(name, "^s([0-9]{2})") is { Success: true } m => (int.Parse(m.Groups[1].Value), int.Parse(m.Groups[1].Value)),
        _ => (32, 32),
    };

    // PngSuite names carry the colour type (4a, 6a: with alpha); tb*, tm* and tp1* carry a tRNS chunk.
    private static bool ExpectedAlpha(string name) =>
        name.Substring(4, 2) is "4a" or "6a" || name.StartsWith("tb") || name.StartsWith("tm") || name.StartsWith("tp1");
}
