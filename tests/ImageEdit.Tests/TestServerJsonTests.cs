using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ImageEdit.TestServer;

namespace ImageEdit.Tests;

public class TestServerJsonTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IAsyncLifetime
{
    private static readonly byte[] Png = ImageFactory.Create(48, 48, "png", 7);
    private static readonly byte[] OtherPng = ImageFactory.Create(48, 48, "png", 8);
    private TestApiServer Server => fixture.Server;

    public Task InitializeAsync() => TestServerHttp.ResetAsync(Server);

    public Task DisposeAsync() => Task.CompletedTask;

    private static string Body(object value) => JsonSerializer.Serialize(value);

    private async Task<HttpResponseMessage> EditAsync(string json, bool authorised = true, string path = "/v1/images/edits")
    {
        using var client = TestServerHttp.Client(Server, authorised);
        return await TestServerHttp.PostJsonAsync(client, path, json);
    }

    [Fact]
    public async Task A_JSON_edit_by_data_URL_is_answered_like_multipart_and_recorded()
    {
        string dataUrl = TestServerHttp.DataUrl(Png);
        var response = await EditAsync(Body(new
        {
            images = new[] { new { image_url = dataUrl } },
            prompt = "Add a red hat",
            model = "gpt-image-1.5",
            n = 2,
            stream = false,
            moderation = "low",
            quality = "high",
            output_format = "webp",
            output_compression = 80,
            user = "user-1234",
        }));

        var answer = await TestServerHttp.JsonAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, answer["data"]!.AsArray().Count);
        Assert.Equal("webp", (string?)answer["output_format"]);
        Assert.Equal("high", (string?)answer["quality"]);
        Assert.Equal(194, (int)answer["usage"]!["input_tokens_details"]!["image_tokens"]!);

        var recorded = TestServerHttp.LastEdit(Server);
        Assert.Equal("json", recorded.BodyForm);
        Assert.Equal(200, recorded.Status);
        Assert.Equal("2", recorded.Field("n"));
        Assert.Equal("false", recorded.Field("stream"));
        Assert.Equal("low", recorded.Field("moderation"));
        Assert.Equal("80", recorded.Field("output_compression"));
        Assert.Equal("user-1234", recorded.Field("user"));
        Assert.Empty(recorded.Files);
        var image = Assert.Single(recorded.ImageRefs);
        Assert.Equal(("image", 0, "data_url"), (image.Role, image.Index, image.Kind));
        Assert.Equal("data:image/png;base64,", image.Url);
        Assert.Equal("image/png", image.MediaType);
        Assert.Equal(dataUrl.Length, image.UrlLength);
        Assert.Equal(Png.Length, image.Length);
        Assert.Equal(TestServerHttp.Sha256(Png), image.Sha256);
        Assert.Equal(Png, image.Head);
        Assert.Null(image.FileId);
    }

    [Fact]
    public async Task The_control_endpoint_serialises_the_new_fields_in_camelCase_without_the_data_URL()
    {
        string dataUrl = TestServerHttp.DataUrl(Png);
        var response = await EditAsync(Body(new { images = new[] { new { image_url = dataUrl } }, prompt = "x" }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        using var client = TestServerHttp.Client(Server, authorised: false);
        string text = await client.GetStringAsync("/_control/requests");
        // The head of the decoded bytes is there (base64, as for any byte[]), but never the data URL itself.
        Assert.DoesNotContain("base64," + Convert.ToBase64String(Png)[..40], text);
        var edit = JsonNode.Parse(text)!.AsArray().Last()!;
        Assert.Equal("json", (string?)edit["bodyForm"]);
        var reference = edit["imageRefs"]![0]!;
        Assert.Equal("data_url", (string?)reference["kind"]);
        Assert.Equal("image", (string?)reference["role"]);
        Assert.Equal(0, (int)reference["index"]!);
        Assert.Equal("image/png", (string?)reference["mediaType"]);
        Assert.Equal(dataUrl.Length, (long)reference["urlLength"]!);
        Assert.Equal(Png.Length, (long)reference["length"]!);
        Assert.Equal(TestServerHttp.Sha256(Png), (string?)reference["sha256"]);
        Assert.Equal(Convert.ToBase64String(Png), (string?)reference["head"]);
        Assert.Null(reference["found"]);
    }

    [Fact]
    public async Task Escaped_characters_in_a_data_URL_are_undone_before_decoding()
    {
        // Find bytes whose base64 holds '+' and '/', then escape every one of them (and a letter) the way JSON may.
        byte[] bytes = ImageFactory.Padded(Png, Png.Length + 3000);
        string base64 = Convert.ToBase64String(bytes);
        Assert.Contains('+', base64);
        Assert.Contains('/', base64);
        string escaped = "data:image\\/png;base64," + base64.Replace("+", "\\u002B").Replace("/", "\\/").Replace("A", "\\u0041");
        string json = "{\"prompt\":\"x\",\"images\":[{\"image_url\":\"" + escaped + "\"}]}";

        var response = await EditAsync(json);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var image = Assert.Single(TestServerHttp.LastEdit(Server).ImageRefs);
        Assert.Equal(TestServerHttp.Sha256(bytes), image.Sha256);
        Assert.Equal(bytes.Length, image.Length);
        Assert.Equal(("data:image/png;base64," + base64).Length, image.UrlLength);
    }

    [Fact]
    public async Task A_data_URL_of_about_twenty_megabytes_is_decoded_across_buffer_chunks()
    {
        byte[] bytes = ImageFactory.Padded(Png, 15_000_000);
        var response = await EditAsync(Body(new { images = new[] { new { image_url = TestServerHttp.DataUrl(bytes) } }, prompt = "x" }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var image = Assert.Single(TestServerHttp.LastEdit(Server).ImageRefs);
        Assert.Equal(15_000_000, image.Length);
        Assert.Equal(TestServerHttp.Sha256(bytes), image.Sha256);
        Assert.Equal(64 * 1024, image.Head!.Length);
    }

    [Fact]
    public async Task An_image_url_longer_than_the_contract_allows_is_refused()
    {
        byte[] bytes = ImageFactory.Padded(Png, 15_800_000);
        var response = await EditAsync(Body(new { images = new[] { new { image_url = TestServerHttp.DataUrl(bytes) } }, prompt = "x" }));

        await TestServerHttp.ErrorAsync(response, HttpStatusCode.BadRequest, "images[0].image_url", "string_above_max_length");
    }

    [Fact]
    public async Task A_JSON_edit_by_file_id_reads_the_uploaded_bytes()
    {
        using var client = TestServerHttp.Client(Server);
        byte[] mask = ImageFactory.Create(48, 48, "png", 9, transparent: true);
        string imageId = (string)(await TestServerHttp.UploadAsync(client, Png, "cat.png"))["id"]!;
        string maskId = (string)(await TestServerHttp.UploadAsync(client, mask, "mask.png", "user_data"))["id"]!;

        var response = await TestServerHttp.PostJsonAsync(client, "/v1/images/edits", Body(new
        {
            model = "gpt-image-2",
            prompt = "Replace the background",
            images = new[] { new { file_id = imageId } },
            mask = new { file_id = maskId },
            size = "1024x1536",
        }));

        var answer = await TestServerHttp.JsonAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(388, (int)answer["usage"]!["input_tokens_details"]!["image_tokens"]!);
        var recorded = TestServerHttp.LastEdit(Server);
        Assert.Collection(recorded.ImageRefs,
            image =>
            {
                Assert.Equal(("image", 0, "file_id", imageId), (image.Role, image.Index, image.Kind, image.FileId));
                Assert.Equal("cat.png", image.FileName);
                Assert.Equal(TestServerHttp.Sha256(Png), image.Sha256);
                Assert.Equal(Png.Length, image.Length);
                Assert.Null(image.Url);
            },
            image =>
            {
                Assert.Equal(("mask", "file_id", maskId), (image.Role, image.Kind, image.FileId));
                Assert.Equal(TestServerHttp.Sha256(mask), image.Sha256);
            });
    }

    [Fact]
    public async Task A_script_step_keyed_by_file_name_finds_a_JSON_edit_by_the_uploaded_name()
    {
        using var client = TestServerHttp.Client(Server);
        string id = (string)(await TestServerHttp.UploadAsync(client, Png, "keyed.png"))["id"]!;
        Server.Script.Enqueue([new ScriptStep { FileName = "keyed.png", Status = 503 }]);

        var response = await TestServerHttp.PostJsonAsync(client, "/v1/images/edits", Body(new { prompt = "x", images = new[] { new { file_id = id } } }));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact]
    public async Task A_body_with_a_byte_order_mark_is_read()
    {
        byte[] json = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Body(new { prompt = "x", images = new[] { new { image_url = "https://example.com/a.png" } } }))];
        using var client = TestServerHttp.Client(Server);
        var content = new ByteArrayContent(json);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var response = await client.PostAsync("/v1/images/edits", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_file_id_that_was_never_uploaded_is_refused()
    {
        var response = await EditAsync(Body(new { prompt = "x", images = new object[] { new { image_url = TestServerHttp.DataUrl(Png) }, new { file_id = "file-AAAAAAAAAAAAAAAAAAAAAAAA" } } }));

        var error = await TestServerHttp.ErrorAsync(response, HttpStatusCode.NotFound, "images[1].file_id", "file_not_found");
        Assert.Contains("file-AAAAAAAAAAAAAAAAAAAAAAAA", (string?)error["message"]);
        Assert.Null(TestServerHttp.LastEdit(Server).ImageRefs[1].Sha256);
    }

    [Fact]
    public async Task A_deleted_file_can_no_longer_be_named()
    {
        using var client = TestServerHttp.Client(Server);
        string id = (string)(await TestServerHttp.UploadAsync(client, Png, "gone.png"))["id"]!;
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync($"/v1/files/{id}")).StatusCode);

        var response = await TestServerHttp.PostJsonAsync(client, "/v1/images/edits", Body(new { prompt = "x", images = new[] { new { file_id = id } } }));

        await TestServerHttp.ErrorAsync(response, HttpStatusCode.NotFound, "images[0].file_id", "file_not_found");
    }

    [Fact]
    public async Task A_reference_with_both_image_url_and_file_id_is_refused()
    {
        var response = await EditAsync(Body(new { prompt = "x", images = new[] { new { image_url = TestServerHttp.DataUrl(Png), file_id = "file-abc" } } }));

        await TestServerHttp.ErrorAsync(response, HttpStatusCode.BadRequest, "images[0]", "invalid_value");
    }

    [Fact]
    public async Task A_reference_with_neither_or_with_another_property_is_refused()
    {
        var empty = await EditAsync("{\"prompt\":\"x\",\"images\":[{}]}");
        await TestServerHttp.ErrorAsync(empty, HttpStatusCode.BadRequest, "images[0]", "missing_required_parameter");

        var extra = await EditAsync(Body(new { prompt = "x", images = new[] { new { file_id = "file-abc", detail = "high" } } }));
        await TestServerHttp.ErrorAsync(extra, HttpStatusCode.BadRequest, "images[0].detail", "unknown_parameter");

        var maskExtra = await EditAsync(Body(new { prompt = "x", images = new[] { new { image_url = TestServerHttp.DataUrl(Png) } }, mask = new { url = "https://example.com/m.png" } }));
        await TestServerHttp.ErrorAsync(maskExtra, HttpStatusCode.BadRequest, "mask.url", "unknown_parameter");
    }

    [Fact]
    public async Task DALL_E_2_is_refused_in_a_JSON_edit()
    {
        var response = await EditAsync(Body(new { model = "dall-e-2", prompt = "x", images = new[] { new { image_url = TestServerHttp.DataUrl(Png) } } }));

        var error = await TestServerHttp.ErrorAsync(response, HttpStatusCode.BadRequest, "model", "invalid_value");
        Assert.Contains("GPT image models only", (string?)error["message"]);
        Assert.Contains("multipart", (string?)error["message"]);
    }

    [Theory]
    [InlineData("gpt-image-2", "1536x864")]
    [InlineData("gpt-image-1.5", "512x512")]
    public async Task Sizes_outside_the_JSON_enum_are_refused(string model, string size)
    {
        var response = await EditAsync(Body(new { model, size, prompt = "x", images = new[] { new { image_url = TestServerHttp.DataUrl(Png) } } }));

        await TestServerHttp.ErrorAsync(response, HttpStatusCode.BadRequest, "size", "invalid_value");
    }

    [Theory]
    [InlineData("{\"prompt\":\"x\",\"images\":[{\"image_url\":\"https://example.com/a.png\"}],\"response_format\":\"b64_json\"}", "response_format", "unknown_parameter")]
    [InlineData("{\"prompt\":\"x\",\"images\":[{\"image_url\":\"https://example.com/a.png\"}],\"n\":\"2\"}", "n", "invalid_type")]
    [InlineData("{\"prompt\":\"x\",\"images\":[{\"image_url\":\"https://example.com/a.png\"}],\"n\":1.5}", "n", "invalid_type")]
    [InlineData("{\"prompt\":\"x\",\"images\":[{\"image_url\":\"https://example.com/a.png\"}],\"stream\":\"true\"}", "stream", "invalid_type")]
    [InlineData("{\"prompt\":\"x\",\"images\":[{\"image_url\":\"https://example.com/a.png\"}],\"n\":11}", "n", "integer_out_of_range")]
    [InlineData("{\"prompt\":\"x\",\"images\":[{\"image_url\":\"https://example.com/a.png\"}],\"moderation\":\"high\"}", "moderation", "invalid_value")]
    [InlineData("{\"prompt\":\"x\",\"images\":[{\"image_url\":\"https://example.com/a.png\"}],\"quality\":\"standard\"}", "quality", "invalid_value")]
    [InlineData("{\"prompt\":\"x\",\"images\":[{\"image_url\":\"https://example.com/a.png\"}],\"partial_images\":4}", "partial_images", "integer_out_of_range")]
    [InlineData("{\"prompt\":\"x\",\"images\":[{\"image_url\":\"https://example.com/a.png\"}],\"output_compression\":50}", "output_compression", "invalid_value")]
    [InlineData("{\"prompt\":\"x\",\"images\":[{\"image_url\":\"https://example.com/a.png\"}],\"prompt\":\"y\"}", "prompt", "duplicate_parameter")]
    [InlineData("{\"prompt\":\"\",\"images\":[{\"image_url\":\"https://example.com/a.png\"}]}", "prompt", "string_below_min_length")]
    [InlineData("{\"images\":[{\"image_url\":\"https://example.com/a.png\"}]}", "prompt", "missing_required_parameter")]
    [InlineData("{\"prompt\":\"x\"}", "images", "missing_required_parameter")]
    [InlineData("{\"prompt\":\"x\",\"images\":[]}", "images", "empty_array")]
    [InlineData("{\"prompt\":\"x\",\"images\":[\"https://example.com/a.png\"]}", "images[0]", "invalid_type")]
    [InlineData("{\"prompt\":\"x\",\"images\":[{\"image_url\":\"http://example.com/a.png\"}]}", "images[0].image_url", "invalid_image_url")]
    [InlineData("{\"prompt\":\"x\",\"images\":[{\"image_url\":\"data:image/gif;base64,R0lGODlh\"}]}", "images[0].image_url", "invalid_image_url")]
    [InlineData("{\"prompt\":\"x\",\"images\":[{\"image_url\":\"data:image/png;base64,***\"}]}", "images[0].image_url", "invalid_image_url")]
    [InlineData("{\"prompt\":\"x\",\"images\":[{\"image_url\":\"https://example.com/a.png\"}],\"model\":\"gpt-image-1-mini\",\"input_fidelity\":\"high\"}", "input_fidelity", "unsupported_parameter")]
    public async Task What_the_contract_refuses_is_a_400_naming_the_param(string json, string param, string code)
    {
        var response = await EditAsync(json);

        await TestServerHttp.ErrorAsync(response, HttpStatusCode.BadRequest, param, code);
    }

    [Fact]
    public async Task Malformed_JSON_is_a_400_without_a_param()
    {
        var response = await EditAsync("{\"prompt\":\"x\",\"images\":[");

        var error = await TestServerHttp.ErrorAsync(response, HttpStatusCode.BadRequest, null, null);
        Assert.Contains("could not parse the JSON body", (string?)error["message"]);
    }

    [Fact]
    public async Task Nulls_stand_for_absent_nullable_fields_and_are_not_recorded()
    {
        var response = await EditAsync("{\"prompt\":\"x\",\"images\":[{\"image_url\":\"https://example.com/a.png\"}],\"n\":null,\"model\":null,\"stream\":null,\"size\":null}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var recorded = TestServerHttp.LastEdit(Server);
        Assert.Equal(new[] { "prompt" }, recorded.Fields.Select(f => f.Name));
    }

    [Fact]
    public async Task An_https_image_url_is_accepted_and_taken_for_a_1024_square_PNG()
    {
        byte[] mask = ImageFactory.Create(64, 64, "png", 3);
        var accepted = await EditAsync(Body(new { prompt = "x", images = new[] { new { image_url = "https://example.com/source.png" } } }));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var image = Assert.Single(TestServerHttp.LastEdit(Server).ImageRefs);
        Assert.Equal(("url", "https://example.com/source.png"), (image.Kind, image.Url));
        Assert.Null(image.Sha256);

        var refused = await EditAsync(Body(new { prompt = "x", images = new[] { new { image_url = "https://example.com/source.png" } }, mask = new { image_url = TestServerHttp.DataUrl(mask) } }));
        await TestServerHttp.ErrorAsync(refused, HttpStatusCode.BadRequest, "mask", "invalid_image_dimensions");
    }

    [Fact]
    public async Task The_mask_must_be_a_PNG_of_the_first_image_size()
    {
        byte[] jpeg = ImageFactory.Create(48, 48, "jpeg", 3);
        var notPng = await EditAsync(Body(new { prompt = "x", images = new[] { new { image_url = TestServerHttp.DataUrl(Png) } }, mask = new { image_url = TestServerHttp.DataUrl(jpeg, "image/jpeg") } }));
        await TestServerHttp.ErrorAsync(notPng, HttpStatusCode.BadRequest, "mask", "invalid_image_format");

        byte[] small = ImageFactory.Create(32, 32, "png", 3);
        var otherSize = await EditAsync(Body(new { prompt = "x", images = new[] { new { image_url = TestServerHttp.DataUrl(Png) } }, mask = new { image_url = TestServerHttp.DataUrl(small) } }));
        await TestServerHttp.ErrorAsync(otherSize, HttpStatusCode.BadRequest, "mask", "invalid_image_dimensions");

        var mislabelled = await EditAsync(Body(new { prompt = "x", images = new[] { new { image_url = TestServerHttp.DataUrl(Png, "image/jpeg") } } }));
        await TestServerHttp.ErrorAsync(mislabelled, HttpStatusCode.BadRequest, "images[0].image_url", "invalid_image_format");

        var matching = await EditAsync(Body(new { prompt = "x", images = new[] { new { image_url = TestServerHttp.DataUrl(Png) }, new { image_url = TestServerHttp.DataUrl(jpeg, "image/jpeg") } }, mask = new { image_url = TestServerHttp.DataUrl(OtherPng) } }));
        Assert.Equal(HttpStatusCode.OK, matching.StatusCode);
        Assert.Equal(new[] { "image", "image", "mask" }, TestServerHttp.LastEdit(Server).ImageRefs.Select(r => r.Role));
    }

    [Fact]
    public async Task A_streamed_JSON_edit_answers_with_the_same_events()
    {
        var response = await EditAsync(Body(new { prompt = "x", images = new[] { new { image_url = TestServerHttp.DataUrl(Png) } }, stream = true, partial_images = 1 }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        string text = await response.Content.ReadAsStringAsync();
        Assert.Contains("event: image_edit.partial_image", text);
        Assert.Contains("event: image_edit.completed", text);
        var recorded = TestServerHttp.LastEdit(Server);
        Assert.Equal("true", recorded.Field("stream"));
        Assert.Equal("1", recorded.Field("partial_images"));
        Assert.Equal("completed", recorded.Outcome);
    }

    [Fact]
    public async Task JSON_edits_need_the_key_and_work_on_the_Azure_route()
    {
        string json = Body(new { prompt = "x", images = new[] { new { image_url = TestServerHttp.DataUrl(Png) } } });
        var unauthorised = await EditAsync(json, authorised: false);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorised.StatusCode);

        var azure = await EditAsync(json, path: "/openai/deployments/my-deployment/images/edits?api-version=2025-04-01-preview");
        Assert.Equal(HttpStatusCode.OK, azure.StatusCode);
        Assert.Equal("json", TestServerHttp.LastEdit(Server).BodyForm);
    }

    [Fact]
    public async Task Multipart_edits_are_recorded_as_multipart()
    {
        using var client = TestServerHttp.Client(Server);
        using var form = new MultipartFormDataContent();
        var image = new ByteArrayContent(Png);
        image.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(image, "image", "cat.png");
        form.Add(new StringContent("x"), "prompt");

        var response = await client.PostAsync("/v1/images/edits", form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var recorded = TestServerHttp.LastEdit(Server);
        Assert.Equal("multipart", recorded.BodyForm);
        Assert.Empty(recorded.ImageRefs);
    }
}
