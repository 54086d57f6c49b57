using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ImageEdit.Models;
using ImageEdit.Requests;

namespace ImageEdit.Tests;

/// <summary>
/// The module's field table and the local API server's contract cannot drift apart: every field the module can send,
/// in every body that carries it, and every image it attaches (mask, markup), is encoded by the module's own encoders,
/// posted to the server, and must not be refused as an unknown parameter.
/// </summary>
public class FieldContractTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly string Lighthouse = Path.Combine(TestPaths.Samples, "lighthouse.png");

    public static IEnumerable<object[]> FieldsAndBodies() =>
        RequestFields.All.SelectMany(f => new[] { BodyForms.Multipart, BodyForms.Json }.Where(b => (f.Bodies & b) != 0).Select(b => new object[] { f.WireName, b.ToString() }));

    /// <summary>A value the field takes: its first known value, its least number, or text.</summary>
    private static object SampleValue(RequestField field) => field.WireName switch
    {
        "model" => "gpt-image-2.6-sunburst",
        _ when field.Kind == FieldKind.Integer => field.Minimum,
        _ when field.Values.Count > 0 => field.JsonValues[0],
        _ => "someone",
    };

    [Theory]
    [MemberData(nameof(FieldsAndBodies))]
    public async Task Every_field_the_module_sends_is_one_the_server_knows(string wireName, string body)
    {
        var field = RequestFields.Wire(wireName);
        var fields = new Dictionary<string, object?> { ["model"] = "gpt-image-2.6-sunburst", [wireName] = SampleValue(field) };
        var images = body == "Json" ? new[] { ImageSource.Url("https://example.com/a.png") } : new[] { ImageSource.File(Lighthouse) };
        var (status, error) = await SendAsync(new ImageEditRequest(images, "x", fields: fields));
        // A combination may be refused (frame_count without gif, response_format for a GPT model); an unknown name never.
        Assert.True((string?)error?["code"] != "unknown_parameter", $"{wireName} ({body}): {status} {error}");
    }

    [Theory]
    [InlineData("mask", "Multipart")]
    [InlineData("mask", "Json")]
    [InlineData("markup", "Multipart")]
    [InlineData("markup", "Json")]
    public async Task Every_image_the_module_attaches_is_one_the_server_knows(string wireName, string body)
    {
        var attached = body == "Json" ? ImageSource.FileId("file-none") : ImageSource.File(Lighthouse);
        var images = body == "Json" ? new[] { ImageSource.FileId("file-none") } : new[] { ImageSource.File(Lighthouse) };
        var request = new ImageEditRequest(images, "x", mask: wireName == "mask" ? attached : null, fields: new Dictionary<string, object?> { ["model"] = "gpt-image-2.6-sunburst" },
            markup: wireName == "markup" ? attached : null);
        var (status, error) = await SendAsync(request);
        Assert.True((string?)error?["code"] != "unknown_parameter", $"{wireName} ({body}): {status} {error}");
    }

    [Fact]
    public async Task The_server_refuses_a_name_it_does_not_know_so_the_tests_above_can_fail()
    {
        using var client = TestServerHttp.Client(fixture.Server);
        var response = await TestServerHttp.PostJsonAsync(client, "/v1/images/edits", """{"images":[{"image_url":"https://example.com/a.png"}],"prompt":"x","sharpness":"high"}""");
        await TestServerHttp.ErrorAsync(response, HttpStatusCode.BadRequest, "sharpness", "unknown_parameter");
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent("x"), "prompt");
        form.Add(new StringContent("high"), "sharpness");
        var image = new ByteArrayContent(File.ReadAllBytes(Lighthouse));
        image.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(image, "image", "lighthouse.png");
        await TestServerHttp.ErrorAsync(await client.PostAsync("/v1/images/edits", form), HttpStatusCode.BadRequest, "sharpness", "unknown_parameter");
    }

    private async Task<(HttpStatusCode Status, JsonNode? Error)> SendAsync(ImageEditRequest request)
    {
        if (request.Images[0].IsFile)
        {
            request.Images[0].Info = ImageEdit.Images.ImageProbe.ProbeHeaders(request.Images[0].Value);
        }
        using HttpContent content = request.UsesJson ? JsonEditEncoder.Build(request, CancellationToken.None) : MultipartEditEncoder.Build(request, CancellationToken.None);
        using var client = TestServerHttp.Client(fixture.Server);
        var response = await client.PostAsync("/v1/images/edits", content);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.IsSuccessStatusCode ? null : JsonNode.Parse(text)!["error"]);
    }
}
