using System.Text;
using System.Text.Json;
using ImageEdit.Http;
using ImageEdit.Models;
using ImageEdit.Requests;

namespace ImageEdit.Tests;

/// <summary>The JSON edit body: image references, data URLs encoded from disk, the fields with their JSON types.</summary>
public class JsonEditBodyTests
{
    private static string Sample(string name) => Path.Combine(TestPaths.Samples, name);

    private static async Task<(JsonDocument Json, long Declared, int Written)> SerializeAsync(ImageEditRequest request)
    {
        using var body = JsonEditEncoder.Build(request, CancellationToken.None);
        long declared = body.Headers.ContentLength!.Value;
        var buffer = new MemoryStream();
        await body.CopyToAsync(buffer);
        return (JsonDocument.Parse(buffer.ToArray()), declared, (int)buffer.Length);
    }

    [Fact]
    public async Task A_local_file_becomes_a_data_url_of_its_bytes_and_the_fields_keep_their_types()
    {
        var request = new ImageEditRequest(new[] { ImageSource.File(Sample("lighthouse.png")), ImageSource.Url("https://example.com/b.png"), ImageSource.FileId("file-abc") },
            "ünïcödé \"quoted\" prompt", ImageSource.FileId("file-mask"),
            new Dictionary<string, object?> { ["n"] = 2, ["moderation"] = "low", ["quality"] = "high", ["model"] = "gpt-image-2" }, stream: true);

        var (json, declared, written) = await SerializeAsync(request);

        Assert.Equal(declared, written);
        var root = json.RootElement;
        var images = root.GetProperty("images");
        Assert.Equal(3, images.GetArrayLength());
        Assert.Equal("data:image/png;base64," + Convert.ToBase64String(File.ReadAllBytes(Sample("lighthouse.png"))), images[0].GetProperty("image_url").GetString());
        Assert.Equal("https://example.com/b.png", images[1].GetProperty("image_url").GetString());
        Assert.Equal("file-abc", images[2].GetProperty("file_id").GetString());
        Assert.Equal("file-mask", root.GetProperty("mask").GetProperty("file_id").GetString());
        Assert.Equal("ünïcödé \"quoted\" prompt", root.GetProperty("prompt").GetString());
        Assert.Equal(JsonValueKind.Number, root.GetProperty("n").ValueKind);
        Assert.Equal(2, root.GetProperty("n").GetInt32());
        Assert.Equal("low", root.GetProperty("moderation").GetString());
        Assert.True(root.GetProperty("stream").GetBoolean());
        Assert.Equal("application/json", JsonEditEncoder.Build(request, CancellationToken.None).Headers.ContentType!.MediaType);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(98303)]
    [InlineData(98304)]
    [InlineData(98305)]
    [InlineData(1_000_001)]
    public async Task Files_of_any_length_encode_to_exactly_their_base64(int length)
    {
        string file = Path.Combine(TestPaths.NewTempFolder(), "blob.png");
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        File.WriteAllBytes(file, bytes);
        var request = new ImageEditRequest(new[] { file }, "x", fields: new Dictionary<string, object?> { ["moderation"] = "auto" });

        var (json, declared, written) = await SerializeAsync(request);

        Assert.Equal(declared, written);
        string url = json.RootElement.GetProperty("images")[0].GetProperty("image_url").GetString()!;
        Assert.Equal(Convert.ToBase64String(bytes), url.Substring(url.IndexOf(',') + 1));
    }

    [Fact]
    public async Task A_file_that_changes_length_while_it_is_sent_abandons_the_request()
    {
        string file = Path.Combine(TestPaths.NewTempFolder(), "shrinks.png");
        File.WriteAllBytes(file, new byte[300_000]);
        var request = new ImageEditRequest(new[] { file }, "x", fields: new Dictionary<string, object?> { ["moderation"] = "auto" });
        using var body = JsonEditEncoder.Build(request, CancellationToken.None);
        File.WriteAllBytes(file, new byte[1000]);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => body.CopyToAsync(Stream.Null));
        Assert.IsType<IOException>(error is IOException ? error : error.InnerException);
    }

    [Fact]
    public void A_request_is_json_when_an_image_is_a_reference_or_a_json_only_field_is_set()
    {
        Assert.False(new ImageEditRequest(new[] { Sample("lighthouse.png") }, "x").UsesJson);
        Assert.True(new ImageEditRequest(new[] { Sample("lighthouse.png") }, "x", fields: new Dictionary<string, object?> { ["moderation"] = "low" }).UsesJson);
        Assert.True(new ImageEditRequest(new[] { ImageSource.Url("https://example.com/a.png") }, "x").UsesJson);
        Assert.True(new ImageEditRequest(new[] { ImageSource.File(Sample("lighthouse.png")) }, "x", ImageSource.FileId("file-1")).UsesJson);
        Assert.Equal(BodyForms.Json, RequestFields.Wire("moderation").Bodies);
        Assert.Equal(BodyForms.Multipart, RequestFields.Wire("response_format").Bodies);
    }

    [Fact]
    public void Saved_results_are_named_after_the_file_the_url_or_the_file_id()
    {
        Assert.Equal("cat", ImageSource.File("/x/cat.png").Stem);
        Assert.Equal("beach", ImageSource.Url("https://example.com/photos/beach.png?sig=1").Stem);
        Assert.Equal("example.com", ImageSource.Url("https://example.com/").Stem);
        Assert.Equal("image", ImageSource.Url("data:image/png;base64,AAAA").Stem);
        Assert.Equal("file-abc", ImageSource.FileId("file-abc").Stem);
    }
}
