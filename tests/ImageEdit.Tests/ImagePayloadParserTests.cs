using System.Text;
using System.Text.Json;
using ImageEdit.Responses;
using ImageEdit.Http;
using ImageEdit.Output;

namespace ImageEdit.Tests;

public class ImagePayloadParserTests
{
    private static readonly byte[] ImageA = File.ReadAllBytes(Path.Combine(TestPaths.Samples, "lighthouse.png"));
    private static readonly byte[] ImageB = File.ReadAllBytes(Path.Combine(TestPaths.Samples, "harbour.jpg"));

    private static string Response(bool escapeSlashes = false)
    {
        string a = Convert.ToBase64String(ImageA), b = Convert.ToBase64String(ImageB);
        if (escapeSlashes)
        {
            // As servers escape base64: "\/" (PHP, some proxies) and "\u002B" (.NET's default encoder).
            a = a.Replace("/", "\\/").Replace("+", "\\u002B");
            b = b.Replace("/", "\\/").Replace("+", "\\u002b");
        }
        return "{\"created\":1713833628,\"data\":[{\"b64_json\":\"" + a + "\",\"revised_prompt\":\"a lighthouse\"},{\"b64_json\":\"" + b + "\"}]," +
               "\"background\":\"opaque\",\"output_format\":\"png\",\"size\":\"1024x1024\",\"quality\":\"high\"," +
               "\"usage\":{\"total_tokens\":100,\"input_tokens\":50,\"output_tokens\":50,\"input_tokens_details\":{\"text_tokens\":10,\"image_tokens\":40}}}";
    }

    /// <summary>A stream that hands out at most a few bytes per read, as a slow network would.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer, offset, count));
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(7, false)]
    [InlineData(65536, false)]
    [InlineData(13, true)]
    public async Task Images_are_decoded_straight_into_files_whatever_the_read_sizes(int chunk, bool escaped)
    {
        string folder = TestPaths.NewTempFolder();
        var writer = new ImageFileWriter(folder, force: false);
        var parser = new ImagePayloadParser(index => writer.Begin(new OutputName("image-" + index, "")));

        await parser.ReadAsync(new TrickleStream(Encoding.UTF8.GetBytes(Response(escaped)), chunk), CancellationToken.None);

        var result = parser.Result;
        Assert.Equal((1713833628L, "opaque", "png", "1024x1024", "high"), (result.Created, result.Background, result.OutputFormat, result.Size, result.Quality));
        Assert.Equal((100, 50, 50, 10, 40), (result.Usage!.TotalTokens, result.Usage.InputTokens, result.Usage.OutputTokens, result.Usage.InputTokensDetails!.TextTokens, result.Usage.InputTokensDetails.ImageTokens));
        Assert.Equal("a lighthouse", result.Images[0].RevisedPrompt);
        Assert.All(result.Images, i => Assert.Null(i.B64Json));
        Assert.Equal(ImageA, File.ReadAllBytes(result.Images[0].PendingFile()!.Commit().Path!));
        Assert.Equal(ImageB, File.ReadAllBytes(result.Images[1].PendingFile()!.Commit().Path!));
    }

    [Fact]
    public async Task Without_a_place_to_save_images_stay_base64_strings()
    {
        var parser = new ImagePayloadParser(null);
        await parser.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(Response())), CancellationToken.None);
        Assert.Equal(Convert.ToBase64String(ImageA), parser.Result.Images[0].B64Json);
    }

    [Theory]
    [InlineData("{\"created\":1,\"data\":[{\"b64_json\":\"abc")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"created\":1,\"data\":[{\"b64_json\":\"!!!!\"}]}")]
    [InlineData("{\"created\":1,\"data\":[{\"b64_json\":\"\"}]}")]
    [InlineData("")]
    public async Task Truncated_or_malformed_answers_are_JsonExceptions_and_leave_no_files(string body)
    {
        string folder = TestPaths.NewTempFolder();
        var writer = new ImageFileWriter(folder, force: false);
        var parser = new ImagePayloadParser(index => writer.Begin(new OutputName("image-" + index, "")));

        await Assert.ThrowsAnyAsync<JsonException>(() => parser.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(body)), CancellationToken.None));
        parser.Dispose();

        Assert.Empty(Directory.GetFiles(folder));
    }

    [Fact]
    public async Task An_empty_b64_json_is_not_an_image_even_when_nothing_is_saved()
    {
        var parser = new ImagePayloadParser(null);
        await Assert.ThrowsAnyAsync<JsonException>(() => parser.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes("{\"created\":1,\"data\":[{\"b64_json\":\"\"}]}")), CancellationToken.None));
    }

    [Fact]
    public void A_stream_event_payload_is_read_from_a_span()
    {
        string payload = "{\"type\":\"image_edit.partial_image\",\"b64_json\":\"" + Convert.ToBase64String(ImageA) + "\",\"created_at\":1620000000,\"size\":\"1024x1024\"," +
                         "\"quality\":\"high\",\"background\":\"transparent\",\"output_format\":\"png\",\"partial_image_index\":2}";
        var parser = new ImagePayloadParser(null);
        parser.Read(Encoding.UTF8.GetBytes(payload));
        Assert.Equal(("image_edit.partial_image", 2, 1620000000L), (parser.Result.Type, parser.Result.PartialImageIndex, parser.Result.Created));
        Assert.Equal(ImageA, Convert.FromBase64String(parser.Result.Images[0].B64Json!));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(4096)]
    public void Base64_split_anywhere_decodes_to_the_same_bytes(int piece)
    {
        byte[] text = Encoding.ASCII.GetBytes(Convert.ToBase64String(ImageB));
        var decoder = new Base64Decoder();
        var output = new MemoryStream();
        for (int i = 0; i < text.Length; i += piece)
        {
            int count = Math.Min(piece, text.Length - i);
            decoder.Decode(text.AsSpan(i, count), isFinal: i + count == text.Length, output.Write);
        }
        Assert.Equal(ImageB, output.ToArray());
    }
}
