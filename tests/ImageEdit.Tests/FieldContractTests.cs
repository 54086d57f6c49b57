using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ImageEdit.Models;
using ImageEdit.Requests;
using ImageEdit.TestServer;

namespace ImageEdit.Tests;

/// <summary>
/// The module's field table and the local API server's contract cannot drift apart: every field the module can send,
/// in every body that carries it, and every image it attaches (mask, markup), is encoded by the module's own encoders,
/// posted to the server, and must not be refused as an unknown parameter; and the server's own list of names
/// (<see cref="EditFields"/>) holds, per body form, exactly the names the module's encoders write, save those listed in
/// <see cref="ServerOnlyNames"/> with the reason the module does not send them.
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

    /// <summary>
    /// Names the server knows that the module cannot send, each with the reason: none today. A name the contract adds
    /// that the module does not (yet) send belongs here, said out loud, rather than silently in the server's list.
    /// </summary>
    private static readonly Dictionary<string, string> ServerOnlyNames = new();

    [Fact]
    public async Task The_servers_multipart_names_are_the_names_the_module_writes()
    {
        var moduleNames = await MultipartNamesTheModuleWritesAsync();
        AssertSameNames("multipart", moduleNames, EditFields.Multipart);
    }

    [Fact]
    public async Task The_servers_json_names_are_the_names_the_module_writes()
    {
        var moduleNames = await JsonNamesTheModuleWritesAsync();
        AssertSameNames("JSON", moduleNames, EditFields.Json);
    }

    private static void AssertSameNames(string body, IReadOnlySet<string> moduleNames, IReadOnlyList<string> serverNames)
    {
        var unknownToServer = moduleNames.Except(serverNames).Order().ToList();
        var unsaid = serverNames.Except(moduleNames).Where(n => !ServerOnlyNames.ContainsKey(n)).Order().ToList();
        Assert.True(unknownToServer.Count == 0,
            $"The module can send {string.Join(", ", unknownToServer)} in a {body} edit, which the local server's EditFields does not list: add it there (and check it as the contract does).");
        Assert.True(unsaid.Count == 0,
            $"The local server's EditFields lists {string.Join(", ", unsaid)} for a {body} edit, which the module never sends: remove it, or say why in FieldContractTests.ServerOnlyNames.");
    }

    /// <summary>
    /// Every name the multipart encoder writes when a request holds everything it can: each field the multipart body
    /// carries, the mask, the markup, stream, and one image (image) or several (image[]).
    /// </summary>
    private static async Task<IReadOnlySet<string>> MultipartNamesTheModuleWritesAsync()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (int imageCount in new[] { 1, 2 })
        {
            var images = Enumerable.Repeat(ImageSource.File(Lighthouse), imageCount).ToList();
            var request = new ImageEditRequest(images, "x", ImageSource.File(Lighthouse), EveryField(BodyForms.Multipart), stream: true, markup: ImageSource.File(Lighthouse));
            Assert.False(request.UsesJson);
            using HttpContent content = MultipartEditEncoder.Build(request, CancellationToken.None);
            string text = Encoding.Latin1.GetString(await content.ReadAsByteArrayAsync());
            names.UnionWith(Regex.Matches(text, "Content-Disposition: form-data; name=\"([^\"]*)\"").Select(m => m.Groups[1].Value));
        }
        return names;
    }

    /// <summary>Every member the JSON encoder writes when a request holds everything it can.</summary>
    private static async Task<IReadOnlySet<string>> JsonNamesTheModuleWritesAsync()
    {
        var url = ImageSource.Url("https://example.com/a.png");
        var request = new ImageEditRequest(new[] { url, url }, "x", url, EveryField(BodyForms.Json), stream: true, markup: url);
        Assert.True(request.UsesJson);
        using HttpContent content = JsonEditEncoder.Build(request, CancellationToken.None);
        var body = JsonNode.Parse(await content.ReadAsStringAsync())!.AsObject();
        return body.Select(member => member.Key).ToHashSet(StringComparer.Ordinal);
    }

    private static Dictionary<string, object?> EveryField(BodyForms body) =>
        RequestFields.All.Where(f => (f.Bodies & body) != 0).ToDictionary(f => f.WireName, f => (object?)SampleValue(f));

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
