using System.Text.Encodings.Web;
using System.Text.Json;

namespace ImageEdit.TestServer;

/// <summary>
/// JSON as the API writes it: base64's '+' and '/' as they are. .NET's default encoder writes '+' as \u002B, which the
/// real API does not, and which cost the client an unescaping copy of every image. A stream in Multiline mode still sends
/// escaped JSON, so that path stays tested end to end.
/// </summary>
internal static class ApiJson
{
    public static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
