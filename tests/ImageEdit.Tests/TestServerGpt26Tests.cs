using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ImageEdit.TestServer;

namespace ImageEdit.Tests;

/// <summary>The local server's contract for the 2.5 and 2.6 models: what it refuses as the API does, and the GIF it answers.</summary>
public class TestServerGpt26Tests(ServerFixture fixture) : IClassFixture<ServerFixture>, IAsyncLifetime
{
    private static readonly byte[] Png = ImageFactory.Create(40, 40, "png", 6);
    private static readonly byte[] Markup = ImageFactory.Create(40, 40, "png", 7, transparent: true);
    private static readonly byte[] WideMarkup = ImageFactory.Create(48, 40, "png", 7, transparent: true);
    private TestApiServer Server => fixture.Server;

    public Task InitializeAsync() => TestServerHttp.ResetAsync(Server);

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<HttpResponseMessage> MultipartAsync(string model, (string Name, byte[] Bytes)[] files, params (string Name, string Value)[] fields)
    {
        using var client = TestServerHttp.Client(Server);
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent("x"), "prompt");
        form.Add(new StringContent(model), "model");
        foreach (var (name, value) in fields) form.Add(new StringContent(value), name);
        foreach (var (name, bytes) in new[] { ("image", Png) }.Concat(files))
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            form.Add(part, name, name + ".png");
        }
        return await client.PostAsync("/v1/images/edits", form);
    }

    [Theory]
    [InlineData("gpt-image-2", "complexity", "high", "complexity", "unsupported_parameter")]
    [InlineData("gpt-image-2.5-flare", "complexity", "high", "complexity", "unsupported_parameter")]
    [InlineData("gpt-image-2.6-flare", "complexity", "extreme", "complexity", "invalid_value")]
    [InlineData("gpt-image-2", "quality", "xhigh", "quality", "invalid_value")]
    [InlineData("gpt-image-2.5-sunburst", "output_format", "gif", "output_format", "invalid_value")]
    [InlineData("gpt-image-2.6-flare", "frame_count", "4", "frame_count", "invalid_value")]
    [InlineData("gpt-image-2.6-flare", "size", "512x512", "size", "invalid_value")]
    public async Task Refuses_what_the_model_does_not_take(string model, string field, string value, string param, string code)
    {
        var response = await MultipartAsync(model, [], (field, value));
        await TestServerHttp.ErrorAsync(response, HttpStatusCode.BadRequest, param, code);
    }

    [Fact]
    public async Task Refuses_gif_with_a_stream_a_mask_output_compression_and_frames_out_of_range()
    {
        var gif = ("output_format", "gif");
        await TestServerHttp.ErrorAsync(await MultipartAsync("gpt-image-2.6-sunburst", [], gif, ("stream", "true")), HttpStatusCode.BadRequest, "stream", "invalid_value");
        await TestServerHttp.ErrorAsync(await MultipartAsync("gpt-image-2.6-sunburst", [("mask", Markup)], gif), HttpStatusCode.BadRequest, "mask", "invalid_value");
        await TestServerHttp.ErrorAsync(await MultipartAsync("gpt-image-2.6-sunburst", [], gif, ("output_compression", "50")), HttpStatusCode.BadRequest, "output_compression", "invalid_value");
        await TestServerHttp.ErrorAsync(await MultipartAsync("gpt-image-2.6-sunburst", [], gif, ("frame_count", "17")), HttpStatusCode.BadRequest, "frame_count", "integer_out_of_range");
        await TestServerHttp.ErrorAsync(await MultipartAsync("gpt-image-2.6-sunburst", [], gif, ("frame_duration_ms", "10")), HttpStatusCode.BadRequest, "frame_duration_ms", "integer_out_of_range");
    }

    [Fact]
    public async Task Refuses_markup_with_a_mask_of_another_size_or_for_a_model_without_it()
    {
        await TestServerHttp.ErrorAsync(await MultipartAsync("gpt-image-2.6-flare", [("markup", Markup), ("mask", Markup)]), HttpStatusCode.BadRequest, "markup", "invalid_value");
        await TestServerHttp.ErrorAsync(await MultipartAsync("gpt-image-2.6-flare", [("markup", WideMarkup)]), HttpStatusCode.BadRequest, "markup", "invalid_image_dimensions");
        await TestServerHttp.ErrorAsync(await MultipartAsync("gpt-image-2", [("markup", Markup)]), HttpStatusCode.BadRequest, "markup", "unsupported_parameter");
        using var client = TestServerHttp.Client(Server);
        var json = $$"""{"images":[{"image_url":"data:image/png;base64,{{Convert.ToBase64String(Png)}}"}],"markup":{"image_url":"data:image/png;base64,{{Convert.ToBase64String(WideMarkup)}}"},"prompt":"x","model":"gpt-image-2.6-flare"}""";
        await TestServerHttp.ErrorAsync(await TestServerHttp.PostJsonAsync(client, "/v1/images/edits", json), HttpStatusCode.BadRequest, "markup", "invalid_image_dimensions");
    }

    [Fact]
    public async Task Answers_gif_output_with_an_animated_gif_of_the_frames_asked_for()
    {
        var response = await MultipartAsync("gpt-image-2.6-sunburst", [("markup", Markup)], ("output_format", "gif"), ("frame_count", "5"), ("frame_duration_ms", "60"),
            ("complexity", "high"), ("quality", "max"), ("size", "2880x2880"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var answer = JsonNode.Parse(text)!;
        Assert.Equal("gif", (string?)answer["output_format"]);
        byte[] gif = Convert.FromBase64String((string)answer["data"]![0]!["b64_json"]!);
        Assert.Equal("GIF89a", System.Text.Encoding.ASCII.GetString(gif, 0, 6));
        Assert.Equal(5, ImageFactory.FrameCount(gif));
    }

    [Fact]
    public async Task Lists_the_new_models_without_a_shutdown_date()
    {
        using var client = TestServerHttp.Client(Server);
        var models = (await TestServerHttp.JsonAsync(await client.GetAsync("/v1/models")))["data"]!.AsArray();
        foreach (var id in new[] { "gpt-image-2.5-sunburst", "gpt-image-2.5-sunburst-2026-09-08", "gpt-image-2.5-flare", "gpt-image-2.5-flare-2026-09-08", "gpt-image-2.6-sunburst", "gpt-image-2.6-flare" })
        {
            var model = models.Single(m => (string?)m!["id"] == id)!;
            Assert.Null((string?)model["shutdown_date"]);
        }
    }
}
