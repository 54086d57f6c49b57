using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace ImageEdit.TestServer;

/// <summary>
/// The Files API (openapi.transformed.yml: CreateFileRequest, OpenAIFile, ListFilesResponse, DeleteFileResponse):
/// uploads are kept in memory so that JSON edits can name them by file_id. Every request is recorded and needs the key.
/// </summary>
public sealed partial class TestApiServer
{
    private static readonly string[] FilePurposes = ["assistants", "batch", "fine-tune", "vision", "user_data", "evals"];

    private void MapFilesApi(WebApplication app)
    {
        app.MapPost("/v1/files", UploadFileAsync);
        app.MapGet("/v1/files", ListFilesAsync);
        app.MapGet("/v1/files/{file_id}", (HttpContext context, string file_id) => RetrieveFileAsync(context, file_id));
        app.MapGet("/v1/files/{file_id}/content", (HttpContext context, string file_id) => DownloadFileAsync(context, file_id));
        app.MapDelete("/v1/files/{file_id}", (HttpContext context, string file_id) => DeleteFileAsync(context, file_id));
    }

    /// <summary>The parts of an upload: text fields, and the one file part with its bytes.</summary>
    private sealed class UploadForm
    {
        public List<(string Name, string Value)> Fields { get; } = new();
        public string? FileName { get; set; }
        public MemoryStream? Content { get; set; }
        public int FileParts { get; set; }
        public List<string> OtherFileParts { get; } = new();
        public bool FileAsText { get; set; }
    }

    private async Task UploadFileAsync(HttpContext context)
    {
        var recorded = Record(context);
        context.Response.Headers["x-request-id"] = RequestId(recorded);
        var form = new UploadForm();
        string? parseError = await ReadUploadAsync(context, recorded, form);
        if (!IsAuthorised(context.Request, out var keyProblem))
        {
            await WriteErrorAsync(context, recorded, 401, keyProblem, "invalid_request_error", null, "invalid_api_key");
            return;
        }
        if (parseError != null)
        {
            await WriteErrorAsync(context, recorded, 400, parseError, "invalid_request_error", null, "invalid_multipart");
            return;
        }
        var problem = CheckUpload(form, out string purpose, out long? expiresAfter);
        if (problem != null)
        {
            await WriteErrorAsync(context, recorded, problem.Status, problem.Message, "invalid_request_error", problem.Param, problem.Code);
            return;
        }
        var content = form.Content!;
        var bytes = new ReadOnlyMemory<byte>(content.GetBuffer(), 0, (int)content.Length);
        var upload = recorded.Files.First(f => f.Name == "file");
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var file = new StoredFile
        {
            Id = FileStore.NewId(),
            FileName = form.FileName ?? "upload",
            Purpose = purpose,
            CreatedAt = now,
            ExpiresAt = expiresAfter is { } seconds ? now + seconds : null,
            Order = Uploads.NextOrder(),
            Content = bytes,
            Sha256 = upload.Sha256,
            Head = upload.Head,
        };
        Uploads.Add(file);
        recorded.Outcome = file.Id;
        await WriteJsonAsync(context, recorded, 200, file.ToJson());
    }

    private static ContractValidator.Problem? CheckUpload(UploadForm form, out string purpose, out long? expiresAfter)
    {
        purpose = "";
        expiresAfter = null;
        var known = new[] { "purpose", "expires_after[anchor]", "expires_after[seconds]" };
        foreach (var (name, _) in form.Fields)
        {
            if (!known.Contains(name)) return new ContractValidator.Problem($"Unknown parameter: '{name}'.", name, "unknown_parameter");
            if (form.Fields.Count(f => f.Name == name) > 1) return new ContractValidator.Problem($"Duplicate parameter: '{name}' appears more than once.", name, "duplicate_parameter");
        }
        if (form.FileAsText) return new ContractValidator.Problem("Invalid 'file': expected a file part (with a filename), not a text field.", "file", "invalid_type");
        if (form.OtherFileParts.Count > 0) return new ContractValidator.Problem($"Unknown parameter: '{form.OtherFileParts[0]}'.", form.OtherFileParts[0], "unknown_parameter");
        if (form.FileParts == 0) return new ContractValidator.Problem("Missing required parameter: 'file'.", "file", "missing_required_parameter");
        if (form.FileParts > 1) return new ContractValidator.Problem("Invalid 'file': send exactly one file per upload.", "file");
        if (form.Content!.Length == 0) return new ContractValidator.Problem("Invalid 'file': the file is empty.", "file", "empty_file");
        string? given = form.Fields.FirstOrDefault(f => f.Name == "purpose").Value;
        if (string.IsNullOrEmpty(given)) return new ContractValidator.Problem("Missing required parameter: 'purpose'.", "purpose", "missing_required_parameter");
        if (!FilePurposes.Contains(given)) return new ContractValidator.Problem($"Invalid value for 'purpose': '{given}' is not one of {string.Join(", ", FilePurposes)}.", "purpose");
        purpose = given;

        string? anchor = form.Fields.FirstOrDefault(f => f.Name == "expires_after[anchor]").Value;
        string? seconds = form.Fields.FirstOrDefault(f => f.Name == "expires_after[seconds]").Value;
        if (anchor is null && seconds is null) return null;
        if (anchor is null) return new ContractValidator.Problem("Missing required parameter: 'expires_after[anchor]'.", "expires_after[anchor]", "missing_required_parameter");
        if (seconds is null) return new ContractValidator.Problem("Missing required parameter: 'expires_after[seconds]'.", "expires_after[seconds]", "missing_required_parameter");
        if (anchor != "created_at") return new ContractValidator.Problem($"Invalid value for 'expires_after[anchor]': '{anchor}'; the only anchor is created_at.", "expires_after[anchor]");
        if (!long.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out long value)) return new ContractValidator.Problem($"Invalid 'expires_after[seconds]': '{seconds}' is not an integer.", "expires_after[seconds]", "invalid_type");
        if (value < 3600 || value > 2592000) return new ContractValidator.Problem($"Invalid 'expires_after[seconds]': {value} is not between 3600 and 2592000.", "expires_after[seconds]", "integer_out_of_range");
        expiresAfter = value;
        return null;
    }

    /// <summary>Reads the upload's parts: the file part's bytes are kept (and recorded as a RecordedFile), text parts become fields.</summary>
    private static Task<string?> ReadUploadAsync(HttpContext context, RecordedRequest recorded, UploadForm form)
    {
        long expected = context.Request.ContentLength is { } total && total < int.MaxValue ? total : 0;
        return MultipartBody.ReadAsync(context, recorded, "The request must be multipart/form-data.", HeadBytesKept,
            copyFor: name => name == "file" && form.Content is null ? new MemoryStream((int)expected) : null,
            onFile: (part, copy) =>
            {
                var disposition = part.Disposition;
                string? fileName = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
                recorded.Files.Add(new RecordedFile(part.Name, fileName, part.Section.ContentType, part.Section.ContentDisposition, part.Length, part.Sha256, part.Head));
                if (part.Name != "file")
                {
                    form.OtherFileParts.Add(part.Name);
                    return;
                }
                form.FileParts++;
                if (copy is MemoryStream content)
                {
                    form.Content = content;
                    form.FileName = fileName;
                }
            },
            onField: (name, value) =>
            {
                if (name == "file") form.FileAsText = true;
                else form.Fields.Add((name, value));
            });
    }

    private async Task ListFilesAsync(HttpContext context)
    {
        var recorded = Record(context);
        if (!await AuthoriseAsync(context, recorded)) return;
        var query = context.Request.Query;
        string? purpose = query["purpose"].FirstOrDefault();
        int limit = 10000;
        if (query["limit"].FirstOrDefault() is { } limitText && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > 10000))
        {
            await WriteErrorAsync(context, recorded, 400, $"Invalid 'limit': '{limitText}' is not an integer between 1 and 10000.", "invalid_request_error", "limit", "invalid_value");
            return;
        }
        string order = query["order"].FirstOrDefault() ?? "desc";
        if (order is not ("asc" or "desc"))
        {
            await WriteErrorAsync(context, recorded, 400, $"Invalid value for 'order': '{order}' is not one of asc, desc.", "invalid_request_error", "order", "invalid_value");
            return;
        }
        var files = Uploads.All.Where(f => string.IsNullOrEmpty(purpose) || f.Purpose == purpose);
        var sorted = (order == "asc" ? files.OrderBy(f => f.CreatedAt).ThenBy(f => f.Order) : files.OrderByDescending(f => f.CreatedAt).ThenByDescending(f => f.Order)).ToList();
        if (query["after"].FirstOrDefault() is { Length: > 0 } after)
        {
            int at = sorted.FindIndex(f => f.Id == after);
            if (at >= 0) sorted = sorted.Skip(at + 1).ToList();
        }
        var page = sorted.Take(limit).ToList();
        var data = new JsonArray();
        foreach (var file in page) data.Add(file.ToJson());
        await WriteJsonAsync(context, recorded, 200, new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["first_id"] = page.FirstOrDefault()?.Id,
            ["last_id"] = page.LastOrDefault()?.Id,
            ["has_more"] = sorted.Count > page.Count,
        });
    }

    private async Task RetrieveFileAsync(HttpContext context, string fileId)
    {
        var recorded = Record(context);
        if (!await AuthoriseAsync(context, recorded)) return;
        if (await FindFileAsync(context, recorded, fileId) is { } file) await WriteJsonAsync(context, recorded, 200, file.ToJson());
    }

    private async Task DownloadFileAsync(HttpContext context, string fileId)
    {
        var recorded = Record(context);
        if (!await AuthoriseAsync(context, recorded)) return;
        if (await FindFileAsync(context, recorded, fileId) is not { } file) return;
        recorded.Status = 200;
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = file.Content.Length;
        await context.Response.Body.WriteAsync(file.Content, context.RequestAborted);
    }

    private async Task DeleteFileAsync(HttpContext context, string fileId)
    {
        var recorded = Record(context);
        if (!await AuthoriseAsync(context, recorded)) return;
        if (!Uploads.Remove(fileId))
        {
            await WriteErrorAsync(context, recorded, 404, $"No such File object: {fileId}", "invalid_request_error", "id", null);
            return;
        }
        await WriteJsonAsync(context, recorded, 200, new JsonObject { ["id"] = fileId, ["object"] = "file", ["deleted"] = true });
    }

    private async Task<StoredFile?> FindFileAsync(HttpContext context, RecordedRequest recorded, string fileId)
    {
        if (Uploads.TryGet(fileId, out var file)) return file;
        await WriteErrorAsync(context, recorded, 404, $"No such File object: {fileId}", "invalid_request_error", "id", null);
        return null;
    }

    /// <summary>Sets the request id and answers 401 when the key is wrong; true when the request may go on.</summary>
    private async Task<bool> AuthoriseAsync(HttpContext context, RecordedRequest recorded)
    {
        context.Response.Headers["x-request-id"] = RequestId(recorded);
        if (IsAuthorised(context.Request, out var keyProblem)) return true;
        await WriteErrorAsync(context, recorded, 401, keyProblem, "invalid_request_error", null, "invalid_api_key");
        return false;
    }

    private static Task WriteJsonAsync(HttpContext context, RecordedRequest recorded, int status, JsonObject body)
    {
        recorded.Status = status;
        return WriteAsync(context, status, "application/json", body.ToJsonString(), null);
    }
}
