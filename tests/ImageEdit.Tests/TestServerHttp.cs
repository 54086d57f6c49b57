using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ImageEdit.TestServer;

namespace ImageEdit.Tests;

/// <summary>Plain HTTP calls to the local API server, for the TestServer* tests.</summary>
internal static class TestServerHttp
{
    public static HttpClient Client(TestApiServer server, bool authorised = true)
    {
        var client = new HttpClient { BaseAddress = server.Root, Timeout = TimeSpan.FromMinutes(2) };
        if (authorised) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.ApiKey);
        return client;
    }

    public static Task<HttpResponseMessage> PostJsonAsync(HttpClient client, string path, string json) =>
        client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    public static async Task<JsonNode> JsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    /// <summary>Asserts an OpenAI-shaped error and returns its "error" object.</summary>
    public static async Task<JsonNode> ErrorAsync(HttpResponseMessage response, HttpStatusCode status, string? param, string? code)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {status}, got {response.StatusCode}: {text}");
        var error = JsonNode.Parse(text)!["error"]!;
        Assert.Equal("invalid_request_error", (string?)error["type"]);
        Assert.False(string.IsNullOrEmpty((string?)error["message"]));
        Assert.Equal(param, (string?)error["param"]);
        Assert.Equal(code, (string?)error["code"]);
        return error;
    }

    public static async Task ResetAsync(TestApiServer server)
    {
        using var client = Client(server, authorised: false);
        var response = await client.PostAsync("/_control/reset", null);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    public static async Task<JsonNode> UploadAsync(HttpClient client, byte[] bytes, string fileName, string purpose = "vision")
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "file", fileName);
        form.Add(new StringContent(purpose), "purpose");
        var response = await client.PostAsync("/v1/files", form);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    public static string DataUrl(byte[] bytes, string mediaType = "image/png") => $"data:{mediaType};base64," + Convert.ToBase64String(bytes);

    public static RecordedRequest LastEdit(TestApiServer server) => server.Edits.OrderBy(r => r.Sequence).Last();
}
