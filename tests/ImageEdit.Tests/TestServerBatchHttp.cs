using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ImageEdit.TestServer;

namespace ImageEdit.Tests;

/// <summary>Batch API calls to the local server (upload an input file, create, advance, retrieve, read results), for the TestServerBatch* tests.</summary>
internal static class TestServerBatchHttp
{
    public const string Endpoint = "/v1/images/edits";
    public static readonly byte[] Png = ImageFactory.Create(40, 40, "png", 11);

    public static string Line(string customId, object body, string url = Endpoint, string method = "POST") =>
        JsonSerializer.Serialize(new { custom_id = customId, method, url, body });

    public static object EditBody(string fileId, string prompt = "Add a red hat", string? outputFormat = null) => outputFormat is null
        ? new { images = new[] { new { file_id = fileId } }, prompt }
        : new { images = new[] { new { file_id = fileId } }, prompt, output_format = outputFormat };

    public static async Task<string> UploadInputAsync(HttpClient client, string jsonl, string purpose = "batch")
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(jsonl));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/jsonl");
        form.Add(file, "file", "requests.jsonl");
        form.Add(new StringContent(purpose), "purpose");
        var response = await client.PostAsync("/v1/files", form);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return (string)JsonNode.Parse(text)!["id"]!;
    }

    public static async Task<string> UploadImageAsync(HttpClient client) => (string)(await TestServerHttp.UploadAsync(client, Png, "lighthouse.png", "vision"))["id"]!;

    public static async Task<JsonNode> CreateAsync(HttpClient client, string inputFileId, object? metadata = null)
    {
        var response = await TestServerHttp.PostJsonAsync(client, "/v1/batches",
            JsonSerializer.Serialize(new { input_file_id = inputFileId, endpoint = Endpoint, completion_window = "24h", metadata }));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    public static async Task<JsonNode> AdvanceAsync(HttpClient client, string batchId, string? json = null)
    {
        var response = await client.PostAsync($"/_control/batches/{batchId}/advance", json is null ? null : new StringContent(json, Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    public static async Task<JsonNode> RetrieveAsync(HttpClient client, string batchId) =>
        await TestServerHttp.JsonAsync(await client.GetAsync($"/v1/batches/{batchId}"));

    public static async Task<List<JsonNode>> ResultLinesAsync(HttpClient client, string fileId)
    {
        string text = await client.GetStringAsync($"/v1/files/{fileId}/content");
        Assert.EndsWith("\n", text);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
    }

    public static long Seconds(JsonNode batch, string name) => (long)batch[name]!;
}
