using System;
using System.Net;
using System.Text;
using System.Text.Json;
using ImageEdit.Http;
using ImageEdit.Output;
using ImageEdit.Rules;

namespace ImageEdit.Operations
{
    /// <summary>The error of a batch's output or error line that has no images: a request that failed, or one the batch never ran.</summary>
    internal static class BatchLineErrors
    {
        /// <summary>A request the batch ended before (it expired, failed or was cancelled first): nothing was paid, and -Resume sends it again.</summary>
        public static LocalCheckException NotRun(string batchId, BatchRequestLine request, string customId, string why) =>
            new LocalCheckException("BatchRequestNotRun", System.Management.Automation.ErrorCategory.OperationStopped, request.Source,
                $"The batch {batchId} ended before the request for {request.Source} ({customId}) ran{(why.Length > 0 ? ": " + why.TrimEnd('.') : "")}.",
                "Start the batch again with Start-ImageEditBatch -Resume and the same inputs: only what has no result yet is sent.");

        /// <summary>A failed line as the error an edit of the same answer would have been.</summary>
        public static Exception Failed(JsonElement root, JsonElement? response, int status, string? requestId)
        {
            if (response?.TryGetProperty("body", out var body) == true)
            {
                byte[] bytes = Encoding.UTF8.GetBytes(body.GetRawText());
                return ApiErrorParser.FromBody(status == 0 ? HttpStatusCode.InternalServerError : (HttpStatusCode)status, requestId, bytes, "application/json");
            }
            string message = Message(root) ?? "The request failed.";
            string? errorCode = root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object && error.TryGetProperty("code", out var c) ? c.GetString() : null;
            return new ApiException(HttpStatusCode.InternalServerError, message, null, null, errorCode, requestId);
        }

        /// <summary>The message of a line's "error" object, or null.</summary>
        public static string? Message(JsonElement root) =>
            root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m) ? m.GetString() : null;
    }
}
