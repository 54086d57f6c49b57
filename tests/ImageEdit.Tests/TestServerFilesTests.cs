using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ImageEdit.TestServer;

namespace ImageEdit.Tests;

public class TestServerFilesTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IAsyncLifetime
{
    private static readonly byte[] Png = ImageFactory.Create(40, 40, "png", 5);
    private TestApiServer Server => fixture.Server;

    public Task InitializeAsync() => TestServerHttp.ResetAsync(Server);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_file_can_be_uploaded_listed_retrieved_downloaded_and_deleted()
    {
        using var client = TestServerHttp.Client(Server);
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var file = await TestServerHttp.UploadAsync(client, Png, "lighthouse.png", "vision");

        string id = (string)file["id"]!;
        Assert.Matches(new Regex("^file-[A-Za-z0-9]{24}$"), id);
        Assert.Equal("file", (string?)file["object"]);
        Assert.Equal(Png.Length, (long)file["bytes"]!);
        Assert.InRange((long)file["created_at"]!, before, before + 5);
        Assert.Equal("lighthouse.png", (string?)file["filename"]);
        Assert.Equal("vision", (string?)file["purpose"]);
        Assert.Equal("processed", (string?)file["status"]);
        Assert.True(file.AsObject().ContainsKey("expires_at"));
        Assert.Null(file["expires_at"]);

        var upload = Server.Requests.Single(r => r.Method == "POST" && r.Path == "/v1/files");
        var part = Assert.Single(upload.Files);
        Assert.Equal(("file", "lighthouse.png", (long)Png.Length, TestServerHttp.Sha256(Png)), (part.Name, part.FileName, part.Length, part.Sha256));
        Assert.Equal("vision", upload.Field("purpose"));
        Assert.Equal(id, upload.Outcome);
        Assert.Null(upload.BodyForm);

        var list = await TestServerHttp.JsonAsync(await client.GetAsync("/v1/files"));
        Assert.Equal("list", (string?)list["object"]);
        Assert.Equal(id, (string?)list["data"]![0]!["id"]);
        Assert.Equal(id, (string?)list["first_id"]);
        Assert.Equal(id, (string?)list["last_id"]);
        Assert.False((bool)list["has_more"]!);

        var retrieved = await TestServerHttp.JsonAsync(await client.GetAsync($"/v1/files/{id}"));
        Assert.Equal(file.ToJsonString(), retrieved.ToJsonString());

        var content = await client.GetAsync($"/v1/files/{id}/content");
        Assert.Equal(HttpStatusCode.OK, content.StatusCode);
        Assert.Equal(Png, await content.Content.ReadAsByteArrayAsync());

        var deleted = await client.DeleteAsync($"/v1/files/{id}");
        var answer = await TestServerHttp.JsonAsync(deleted);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(new JsonObject { ["id"] = id, ["object"] = "file", ["deleted"] = true }.ToJsonString(), answer.ToJsonString());

        Assert.Empty((await TestServerHttp.JsonAsync(await client.GetAsync("/v1/files")))["data"]!.AsArray());
        await TestServerHttp.ErrorAsync(await client.GetAsync($"/v1/files/{id}"), HttpStatusCode.NotFound, "id", null);
    }

    [Fact]
    public async Task The_list_filters_by_purpose_and_pages_newest_first()
    {
        using var client = TestServerHttp.Client(Server);
        string a = (string)(await TestServerHttp.UploadAsync(client, Png, "a.png", "vision"))["id"]!;
        string b = (string)(await TestServerHttp.UploadAsync(client, Png, "b.png", "user_data"))["id"]!;
        string c = (string)(await TestServerHttp.UploadAsync(client, Png, "c.png", "vision"))["id"]!;

        var vision = await TestServerHttp.JsonAsync(await client.GetAsync("/v1/files?purpose=vision"));
        Assert.Equal(new[] { c, a }, vision["data"]!.AsArray().Select(f => (string)f!["id"]!));

        var page = await TestServerHttp.JsonAsync(await client.GetAsync("/v1/files?limit=2"));
        Assert.Equal(new[] { c, b }, page["data"]!.AsArray().Select(f => (string)f!["id"]!));
        Assert.True((bool)page["has_more"]!);

        var next = await TestServerHttp.JsonAsync(await client.GetAsync($"/v1/files?limit=2&after={b}"));
        Assert.Equal(new[] { a }, next["data"]!.AsArray().Select(f => (string)f!["id"]!));

        var ascending = await TestServerHttp.JsonAsync(await client.GetAsync("/v1/files?order=asc"));
        Assert.Equal(new[] { a, b, c }, ascending["data"]!.AsArray().Select(f => (string)f!["id"]!));
    }

    [Fact]
    public async Task Uploads_without_a_file_or_a_valid_purpose_are_refused()
    {
        using var client = TestServerHttp.Client(Server);

        using (var noPurpose = new MultipartFormDataContent { { new ByteArrayContent(Png), "file", "a.png" } })
        {
            await TestServerHttp.ErrorAsync(await client.PostAsync("/v1/files", noPurpose), HttpStatusCode.BadRequest, "purpose", "missing_required_parameter");
        }
        using (var badPurpose = new MultipartFormDataContent { { new ByteArrayContent(Png), "file", "a.png" }, { new StringContent("pictures"), "purpose" } })
        {
            await TestServerHttp.ErrorAsync(await client.PostAsync("/v1/files", badPurpose), HttpStatusCode.BadRequest, "purpose", "invalid_value");
        }
        using (var noFile = new MultipartFormDataContent { { new StringContent("vision"), "purpose" } })
        {
            await TestServerHttp.ErrorAsync(await client.PostAsync("/v1/files", noFile), HttpStatusCode.BadRequest, "file", "missing_required_parameter");
        }
        using (var json = new StringContent("{\"purpose\":\"vision\"}", System.Text.Encoding.UTF8, "application/json"))
        {
            await TestServerHttp.ErrorAsync(await client.PostAsync("/v1/files", json), HttpStatusCode.BadRequest, null, "invalid_multipart");
        }
        Assert.Empty(Server.Uploads.All);
    }

    [Fact]
    public async Task Expires_after_sets_expires_at_and_is_checked()
    {
        using var client = TestServerHttp.Client(Server);
        using (var form = new MultipartFormDataContent { { new ByteArrayContent(Png), "file", "a.png" }, { new StringContent("batch"), "purpose" }, { new StringContent("created_at"), "expires_after[anchor]" }, { new StringContent("3600"), "expires_after[seconds]" } })
        {
            var file = await TestServerHttp.JsonAsync(await client.PostAsync("/v1/files", form));
            Assert.Equal((long)file["created_at"]! + 3600, (long)file["expires_at"]!);
        }
        using (var tooShort = new MultipartFormDataContent { { new ByteArrayContent(Png), "file", "a.png" }, { new StringContent("batch"), "purpose" }, { new StringContent("created_at"), "expires_after[anchor]" }, { new StringContent("60"), "expires_after[seconds]" } })
        {
            await TestServerHttp.ErrorAsync(await client.PostAsync("/v1/files", tooShort), HttpStatusCode.BadRequest, "expires_after[seconds]", "integer_out_of_range");
        }
        using (var unknown = new MultipartFormDataContent { { new ByteArrayContent(Png), "file", "a.png" }, { new StringContent("batch"), "purpose" }, { new StringContent("x"), "colour" } })
        {
            await TestServerHttp.ErrorAsync(await client.PostAsync("/v1/files", unknown), HttpStatusCode.BadRequest, "colour", "unknown_parameter");
        }
    }

    [Fact]
    public async Task Unknown_file_ids_are_404_and_every_files_call_needs_the_key()
    {
        using var client = TestServerHttp.Client(Server);
        const string missing = "file-ZZZZZZZZZZZZZZZZZZZZZZZZ";
        var error = await TestServerHttp.ErrorAsync(await client.GetAsync($"/v1/files/{missing}"), HttpStatusCode.NotFound, "id", null);
        Assert.Equal($"No such File object: {missing}", (string?)error["message"]);
        await TestServerHttp.ErrorAsync(await client.GetAsync($"/v1/files/{missing}/content"), HttpStatusCode.NotFound, "id", null);
        await TestServerHttp.ErrorAsync(await client.DeleteAsync($"/v1/files/{missing}"), HttpStatusCode.NotFound, "id", null);

        using var anonymous = TestServerHttp.Client(Server, authorised: false);
        await TestServerHttp.ErrorAsync(await anonymous.GetAsync("/v1/files"), HttpStatusCode.Unauthorized, null, "invalid_api_key");
        using var upload = new MultipartFormDataContent { { new ByteArrayContent(Png), "file", "a.png" }, { new StringContent("vision"), "purpose" } };
        await TestServerHttp.ErrorAsync(await anonymous.PostAsync("/v1/files", upload), HttpStatusCode.Unauthorized, null, "invalid_api_key");
        Assert.Empty(Server.Uploads.All);
        Assert.All(Server.Requests.Where(r => r.Path.StartsWith("/v1/files")), r => Assert.NotEqual(0, r.Status));
    }

    [Fact]
    public async Task A_sixty_megabyte_upload_is_stored_whole()
    {
        byte[] big = new byte[60 * 1024 * 1024];
        new Random(60).NextBytes(big);
        using var client = TestServerHttp.Client(Server);

        var file = await TestServerHttp.UploadAsync(client, big, "big.bin", "user_data");

        Assert.Equal(big.Length, (long)file["bytes"]!);
        var part = Assert.Single(Server.Requests.Last(r => r.Path == "/v1/files").Files);
        Assert.Equal(TestServerHttp.Sha256(big), part.Sha256);
        Assert.Equal(big.Length, part.Length);
        var content = await client.GetByteArrayAsync($"/v1/files/{(string)file["id"]!}/content");
        Assert.Equal(TestServerHttp.Sha256(big), TestServerHttp.Sha256(content));
    }
}
