using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageEdit.TestServer;

/// <summary>Makes real, decodable images for answers and samples, and reads the size of uploaded ones.</summary>
public static class ImageFactory
{
    /// <summary>A gradient with a coloured square whose colour comes from <paramref name="seed"/>, so that answers differ.</summary>
    public static byte[] Create(int width, int height, string format, int seed, bool transparent = false)
    {
        using var image = new Image<Rgba32>(width, height);
        var accent = new Rgba32((byte)(seed * 67 % 256), (byte)(seed * 131 % 256), (byte)(seed * 29 % 256), 255);
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                {
                    bool inSquare = x > width / 4 && x < width * 3 / 4 && y > height / 4 && y < height * 3 / 4;
                    byte alpha = transparent && !inSquare ? (byte)0 : (byte)255;
                    row[x] = inSquare ? accent : new Rgba32((byte)(x * 255 / Math.Max(1, width)), (byte)(y * 255 / Math.Max(1, height)), 160, alpha);
                }
            }
        });
        using var output = new MemoryStream();
        image.Save(output, Encoder(format));
        return output.ToArray();
    }

    /// <summary>
    /// An animated GIF (what gpt-image-2.6 returns for output_format gif): <paramref name="frames"/> frames of the
    /// gradient, its square's colour moving on with each frame, each shown <paramref name="frameDurationMs"/> (in the
    /// format's hundredths of a second), looping for ever.
    /// </summary>
    public static byte[] CreateAnimatedGif(int width, int height, int frames, int frameDurationMs, int seed)
    {
        using var animation = Image.Load<Rgba32>(Create(width, height, "png", seed));
        animation.Metadata.GetGifMetadata().RepeatCount = 0;
        animation.Frames.RootFrame.Metadata.GetGifMetadata().FrameDelay = frameDurationMs / 10;
        for (int i = 1; i < frames; i++)
        {
            using var frame = Image.Load<Rgba32>(Create(width, height, "png", seed + i));
            var added = animation.Frames.AddFrame(frame.Frames.RootFrame);
            added.Metadata.GetGifMetadata().FrameDelay = frameDurationMs / 10;
        }
        using var output = new MemoryStream();
        animation.Save(output, new GifEncoder());
        return output.ToArray();
    }

    /// <summary>How many frames a GIF has (1 for a still image), for tests that check an animation.</summary>
    public static int FrameCount(byte[] gif)
    {
        using var image = Image.Load(gif);
        return image.Frames.Count;
    }

    public static IImageEncoder Encoder(string format) => format switch
    {
        "jpeg" or "jpg" => new JpegEncoder { Quality = 85 },
        "webp" => new WebpEncoder { FileFormat = WebpFileFormatType.Lossy },
        "webp-lossless" => new WebpEncoder { FileFormat = WebpFileFormatType.Lossless },
        _ => new PngEncoder(),
    };

    /// <summary>A real image followed by filler, to reach the size a benchmark asks for.</summary>
    public static byte[] Padded(byte[] image, int size)
    {
        if (image.Length >= size) return image;
        var padded = new byte[size];
        image.CopyTo(padded, 0);
        new Random(size).NextBytes(padded.AsSpan(image.Length));
        return padded;
    }

    /// <summary>The format an upload's bytes say it is: png, jpeg, webp, or null (for anything else, a GIF too: no edit takes one as input).</summary>
    public static string? Sniff(byte[] head)
    {
        if (head.Length >= 8 && head[0] == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G') return "png";
        if (head.Length >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF) return "jpeg";
        if (head.Length >= 12 && head[0] == 'R' && head[1] == 'I' && head[2] == 'F' && head[3] == 'F' && head[8] == 'W' && head[9] == 'E' && head[10] == 'B' && head[11] == 'P') return "webp";
        return null;
    }

    /// <summary>Width and height from the first bytes of an upload, or null when they cannot be read.</summary>
    public static (int Width, int Height)? Dimensions(byte[] head)
    {
        try
        {
            var info = Image.Identify(head);
            return info is null ? null : (info.Width, info.Height);
        }
        catch (Exception)
        {
            return null;
        }
    }

    /// <summary>Writes the images the Pester checks need beyond the samples: an opaque PNG the size of lighthouse.png, a non-square PNG, a markup PNG (transparent but for its square) the size of lighthouse.png.</summary>
    public static void WriteFixtures(string directory)
    {
        Directory.CreateDirectory(directory);
        using (var opaque = new Image<Rgb24>(256, 256, new Rgb24(10, 120, 200)))
        {
            opaque.Save(Path.Combine(directory, "opaque-256.png"), new PngEncoder { ColorType = PngColorType.Rgb });
        }
        File.WriteAllBytes(Path.Combine(directory, "wide-320x240.png"), Create(320, 240, "png", 4));
        File.WriteAllBytes(Path.Combine(directory, "markup-256.png"), Create(256, 256, "png", 5, transparent: true));
    }

    /// <summary>Writes the project's samples: a PNG, a JPEG and a WebP.</summary>
    public static void WriteSamples(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, "lighthouse.png"), Create(256, 256, "png", 1));
        File.WriteAllBytes(Path.Combine(directory, "harbour.jpg"), Create(320, 240, "jpeg", 2));
        File.WriteAllBytes(Path.Combine(directory, "meadow.webp"), Create(240, 320, "webp", 3));
    }
}
