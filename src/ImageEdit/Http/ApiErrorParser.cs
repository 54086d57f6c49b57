using System;
using System.Net;
using System.Text;
using System.Text.Json;

namespace ImageEdit.Http
{
    /// <summary>
    /// Turns an error answer into an <see cref="ApiException"/>: the API's <c>{"error":{...}}</c> when the body
    /// holds one, otherwise a short, readable excerpt of whatever came back (an HTML page from a proxy, say).
    /// </summary>
    internal static class ApiErrorParser
    {
        private const int ExcerptLength = 200;

        public static ApiException FromBody(HttpStatusCode status, string? requestId, byte[] body, string? contentType)
        {
            if (TryParseError(body, out var message, out var type, out var param, out var code))
            {
                return new ApiException(status, message!, type, param, code, requestId);
            }
            return new ApiException(status, $"The API answered {(int)status} without an OpenAI error object{DescribeBody(body, contentType)}",
                null, null, null, requestId);
        }

        /// <summary>Reads an error object from an SSE <c>error</c> event or an error body.</summary>
        public static bool TryParseError(byte[] body, out string? message, out string? type, out string? param, out string? code)
        {
            message = type = param = code = null;
            try
            {
                using var document = JsonDocument.Parse(body);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    return false;
                }
                var error = root.TryGetProperty("error", out var inner) && inner.ValueKind == JsonValueKind.Object ? inner : root;
                message = StringOrNull(error, "message");
                if (message is null)
                {
                    return false;
                }
                type = StringOrNull(error, "type");
                param = StringOrNull(error, "param");
                code = StringOrNull(error, "code");
                return true;
            }
            catch (JsonException)
            {
                return false;
            }
        }

        /// <summary>"; the body began: ..." with control characters and markup whitespace folded, or "" for an empty body.</summary>
        public static string DescribeBody(byte[] body, string? contentType)
        {
            string kind = string.IsNullOrEmpty(contentType) ? "no content type" : contentType!;
            if (body.Length == 0)
            {
                return $" (empty body, {kind})";
            }
            string text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, ExcerptLength * 4));
            var folded = new StringBuilder();
            bool lastWasSpace = false;
            foreach (char c in text)
            {
                bool space = char.IsWhiteSpace(c) || char.IsControl(c);
                if (space && lastWasSpace) continue;
                folded.Append(space ? ' ' : c);
                lastWasSpace = space;
                if (folded.Length >= ExcerptLength) break;
            }
            string excerpt = folded.ToString().Trim();
            string ellipsis = body.Length > excerpt.Length ? "..." : "";
            return $" ({kind}, {body.Length} bytes): \"{excerpt}{ellipsis}\"";
        }

        private static string? StringOrNull(JsonElement element, string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
                ? (value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText())
                : null;
    }
}
