using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using ImageEdit.TestServer;

namespace ImageEdit.Tests;

public class TestServerModelsTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IAsyncLifetime
{
    private static readonly byte[] Png = ImageFactory.Create(40, 40, "png", 6);
    private TestApiServer Server => fixture.Server;

    public Task InitializeAsync() => TestServerHttp.ResetAsync(Server);

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task SetModelsAsync(string json)
    {
        using var control = TestServerHttp.Client(Server, authorised: false);
        var response = await TestServerHttp.PostJsonAsync(control, "/_control/models", json);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    private async Task<HttpResponseMessage> JsonEditAsync(object body)
    {
        using var client = TestServerHttp.Client(Server);
        return await TestServerHttp.PostJsonAsync(client, "/v1/images/edits", JsonSerializer.Serialize(body));
    }

    private async Task<HttpResponseMessage> MultipartEditAsync(string model, params (string Name, string Value)[] fields)
    {
        using var client = TestServerHttp.Client(Server);
        using var form = new MultipartFormDataContent();
        var image = new ByteArrayContent(Png);
        image.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(image, "image", "a.png");
        form.Add(new StringContent("x"), "prompt");
        form.Add(new StringContent(model), "model");
        foreach (var (name, value) in fields) form.Add(new StringContent(value), name);
        return await client.PostAsync("/v1/images/edits", form);
    }

    [Fact]
    public async Task The_default_list_has_the_image_models_and_two_others()
    {
        using var client = TestServerHttp.Client(Server);
        var list = await TestServerHttp.JsonAsync(await client.GetAsync("/v1/models"));

        Assert.Equal("list", (string?)list["object"]);
        var models = list["data"]!.AsArray();
        Assert.Equal(
            new[] { "gpt-image-2.6-sunburst", "gpt-image-2.6-flare", "gpt-image-2.5-sunburst", "gpt-image-2.5-sunburst-2026-09-08", "gpt-image-2.5-flare", "gpt-image-2.5-flare-2026-09-08",
                "gpt-image-2", "gpt-image-2-2026-04-21", "gpt-image-1.5", "gpt-image-1-mini", "chatgpt-image-latest", "gpt-4o", "whisper-1" },
            models.Select(m => (string)m!["id"]!));
        Assert.Equal(new string?[] { null, null, null, null, null, null, null, null, "2026-12-01", "2026-12-01", "2026-12-01", null, null }, models.Select(m => (string?)m!["shutdown_date"]));
        Assert.All(models, m =>
        {
            Assert.Equal("model", (string?)m!["object"]);
            Assert.True((long)m["created"]! > 0);
            Assert.False(string.IsNullOrEmpty((string?)m["owned_by"]));
            Assert.True(m.AsObject().ContainsKey("shutdown_date"));
        });

        var one = await TestServerHttp.JsonAsync(await client.GetAsync("/v1/models/gpt-image-1.5"));
        Assert.Equal(("gpt-image-1.5", "2026-12-01"), ((string?)one["id"], (string?)one["shutdown_date"]));
        await TestServerHttp.ErrorAsync(await client.GetAsync("/v1/models/no-such-model"), HttpStatusCode.NotFound, null, "model_not_found");

        using var anonymous = TestServerHttp.Client(Server, authorised: false);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/models")).StatusCode);
    }

    [Fact]
    public async Task A_retired_model_named_in_an_edit_gets_404_model_not_found()
    {
        await SetModelsAsync("[{\"id\":\"gpt-image-1.5\",\"shutdown_date\":\"2026-12-01\",\"retired\":true},{\"id\":\"gpt-image-2\",\"shutdown_date\":null}]");

        var json = await JsonEditAsync(new { model = "gpt-image-1.5", prompt = "x", images = new[] { new { image_url = TestServerHttp.DataUrl(Png) } } });
        Assert.Equal(HttpStatusCode.NotFound, json.StatusCode);
        var expected = new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["message"] = "The model `gpt-image-1.5` does not exist or you do not have access to it.",
                ["type"] = "invalid_request_error",
                ["param"] = null,
                ["code"] = "model_not_found",
            },
        };
        Assert.Equal(expected.ToJsonString(), (await TestServerHttp.JsonAsync(json)).ToJsonString());

        var multipart = await MultipartEditAsync("gpt-image-1.5");
        await TestServerHttp.ErrorAsync(multipart, HttpStatusCode.NotFound, null, "model_not_found");

        using var client = TestServerHttp.Client(Server);
        var list = await TestServerHttp.JsonAsync(await client.GetAsync("/v1/models"));
        Assert.Equal(new[] { "gpt-image-2" }, list["data"]!.AsArray().Select(m => (string)m!["id"]!));
        await TestServerHttp.ErrorAsync(await client.GetAsync("/v1/models/gpt-image-1.5"), HttpStatusCode.NotFound, null, "model_not_found");

        Assert.Equal(HttpStatusCode.OK, (await MultipartEditAsync("gpt-image-2")).StatusCode);
    }

    [Fact]
    public async Task A_new_model_from_the_list_is_taken_as_a_GPT_image_model_with_its_extra_values()
    {
        var refusedBefore = await JsonEditAsync(new { model = "gpt-image-3", prompt = "x", images = new[] { new { image_url = TestServerHttp.DataUrl(Png) } } });
        await TestServerHttp.ErrorAsync(refusedBefore, HttpStatusCode.BadRequest, "model", "invalid_value");

        await SetModelsAsync("[{\"id\":\"gpt-image-3\",\"shutdown_date\":null,\"owned_by\":\"openai\",\"values\":{\"quality\":[\"ultra\"],\"size\":[\"2048x2048\"]}},{\"id\":\"gpt-image-3-lite\",\"shutdown_date\":\"2027-01-31\"}]");

        var json = await JsonEditAsync(new { model = "gpt-image-3", prompt = "x", quality = "ultra", size = "2048x2048", images = new[] { new { image_url = TestServerHttp.DataUrl(Png) } } });
        var answer = await TestServerHttp.JsonAsync(json);
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        Assert.Equal("ultra", (string?)answer["quality"]);
        Assert.Equal("ultra", TestServerHttp.LastEdit(Server).Field("quality"));

        Assert.Equal(HttpStatusCode.OK, (await MultipartEditAsync("gpt-image-3", ("quality", "ultra"))).StatusCode);

        // The extra values belong to that model only.
        var other = await JsonEditAsync(new { model = "gpt-image-3-lite", prompt = "x", quality = "ultra", images = new[] { new { image_url = TestServerHttp.DataUrl(Png) } } });
        await TestServerHttp.ErrorAsync(other, HttpStatusCode.BadRequest, "quality", "invalid_value");
        var builtIn = await JsonEditAsync(new { model = "gpt-image-1.5", prompt = "x", quality = "ultra", images = new[] { new { image_url = TestServerHttp.DataUrl(Png) } } });
        await TestServerHttp.ErrorAsync(builtIn, HttpStatusCode.BadRequest, "quality", "invalid_value");

        using var client = TestServerHttp.Client(Server);
        var listed = await TestServerHttp.JsonAsync(await client.GetAsync("/v1/models/gpt-image-3"));
        Assert.Equal("openai", (string?)listed["owned_by"]);
    }

    [Fact]
    public async Task Non_image_models_stay_refused_and_reset_restores_the_default_list()
    {
        var gpt4o = await JsonEditAsync(new { model = "gpt-4o", prompt = "x", images = new[] { new { image_url = TestServerHttp.DataUrl(Png) } } });
        await TestServerHttp.ErrorAsync(gpt4o, HttpStatusCode.BadRequest, "model", "invalid_value");

        await SetModelsAsync("[{\"id\":\"gpt-image-9\",\"shutdown_date\":null}]");
        using var client = TestServerHttp.Client(Server);
        Assert.Single((await TestServerHttp.JsonAsync(await client.GetAsync("/v1/models")))["data"]!.AsArray());

        await TestServerHttp.ResetAsync(Server);
        Assert.Equal(13, (await TestServerHttp.JsonAsync(await client.GetAsync("/v1/models")))["data"]!.AsArray().Count);
        // dall-e-2 multipart edits work as before.
        Assert.Equal(HttpStatusCode.OK, (await MultipartEditAsync("dall-e-2")).StatusCode);
    }

    [Fact]
    public async Task A_control_list_that_cannot_be_used_is_refused()
    {
        using var control = TestServerHttp.Client(Server, authorised: false);
        Assert.Equal(HttpStatusCode.BadRequest, (await TestServerHttp.PostJsonAsync(control, "/_control/models", "[{\"id\":\"a\",\"shutdown_date\":\"soon\"}]")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await TestServerHttp.PostJsonAsync(control, "/_control/models", "[{\"id\":\"a\"},{\"id\":\"a\"}]")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await TestServerHttp.PostJsonAsync(control, "/_control/models", "{\"id\":\"a\"}")).StatusCode);
        Assert.Equal(13, Server.Models.All.Count);
    }
}
