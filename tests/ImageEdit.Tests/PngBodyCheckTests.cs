using ImageEdit.Http;
using ImageEdit.Images;

namespace ImageEdit.Tests;

/// <summary>The split integrity check: headers on the pipeline thread, the rest of a PNG while it is sent.</summary>
public class PngBodyCheckTests
{
    private static IEnumerable<string> ValidPngs() => Directory.GetFiles(TestPaths.PngSuite, "*.png").Where(p => !Path.GetFileName(p).StartsWith('x'));

    private static void Feed(string path, int piece)
    {
        var check = new PngBodyCheck(path);
        var bytes = File.ReadAllBytes(path);
        for (int i = 0; i < bytes.Length; i += piece)
        {
            check.Append(bytes, i, Math.Min(piece, bytes.Length - i));
        }
        check.Finish();
    }

    [Fact]
    public void Every_valid_PngSuite_file_passes_in_pieces_of_any_size_and_its_headers_tell_what_the_full_probe_tells()
    {
        foreach (var path in ValidPngs())
        {
            foreach (int piece in new[] { 1, 7, 8192 })
            {
                Feed(path, piece);
            }
            var full = ImageProbe.Probe(path);
            var headers = ImageProbe.ProbeHeaders(path);
            Assert.Equal((full.Format, full.Width, full.Height, full.HasAlpha, full.Length), (headers.Format, headers.Width, headers.Height, headers.HasAlpha, headers.Length));
        }
    }

    [Fact]
    public void The_native_and_managed_crc_agree_on_every_length()
    {
        var bytes = new byte[70_000];
        new Random(7).NextBytes(bytes);
        foreach (int length in new[] { 0, 1, 255, 256, 257, 4096, 65_537, 70_000 })
        {
            foreach (int offset in new[] { 0, 3 })
            {
                int count = Math.Min(length, bytes.Length - offset);
                Assert.Equal(Crc32.ManagedUpdate(Crc32.Seed, bytes, offset, count), Crc32.Update(Crc32.Seed, bytes, offset, count));
            }
        }
    }

    [Fact]
    public void A_corrupt_image_data_checksum_and_a_truncated_file_are_refused_while_sent()
    {
        Assert.Throws<BodyRefusedException>(() => Feed(Path.Combine(TestPaths.PngSuite, "xcsn0g01.png"), 4096));
        string cut = Path.Combine(TestPaths.NewTempFolder(), "cut.png");
        var bytes = File.ReadAllBytes(Path.Combine(TestPaths.PngSuite, "basn6a08.png"));
        File.WriteAllBytes(cut, bytes.Take(bytes.Length - 20).ToArray());
        var error = Assert.Throws<BodyRefusedException>(() => Feed(cut, 4096));
        Assert.Contains("IEND", error.Message);
    }

    [Fact]
    public void Bytes_after_IEND_are_sent_unchecked_as_decoders_ignore_them_and_the_probe_reads_the_image()
    {
        string padded = Path.Combine(TestPaths.NewTempFolder(), "padded.png");
        var bytes = File.ReadAllBytes(Path.Combine(TestPaths.PngSuite, "basn6a08.png"));
        File.WriteAllBytes(padded, bytes.Concat(System.Text.Encoding.ASCII.GetBytes("appended metadata")).Concat(new byte[300]).ToArray());
        foreach (int piece in new[] { 1, 7, 4096 })
        {
            Feed(padded, piece);
        }
        var full = ImageProbe.Probe(padded);
        Assert.Equal((32, 32, true), (full.Width, full.Height, full.HasAlpha));
    }
}
