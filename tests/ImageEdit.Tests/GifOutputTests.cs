using ImageEdit.Images;
using ImageEdit.TestServer;

namespace ImageEdit.Tests;

/// <summary>Animated output: the server answers a real animated GIF, and the module knows it by its bytes (saved as .gif).</summary>
public class GifOutputTests
{
    [Fact]
    public void An_animated_gif_from_the_server_is_recognised_by_its_bytes_and_saved_as_gif()
    {
        byte[] gif = ImageFactory.CreateAnimatedGif(32, 24, frames: 4, frameDurationMs: 120, seed: 7);
        Assert.Equal(4, ImageFactory.FrameCount(gif));
        var format = ImageFormats.FromMagic(gif, gif.Length);
        Assert.Equal(ImageFormat.Gif, format);
        Assert.Equal(".gif", ImageFormats.Extension(format));
        Assert.Equal("image/gif", ImageFormats.ContentType(format));
    }

    [Fact]
    public void A_gif_is_not_an_input_the_probe_takes()
    {
        byte[] gif = ImageFactory.CreateAnimatedGif(16, 16, frames: 2, frameDurationMs: 20, seed: 1);
        Assert.Throws<UnrecognisedImageFormatException>(() => ImageProbe.Probe(new MemoryStream(gif)));
    }
}
