using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Problem = ImageEdit.TestServer.ContractValidator.Problem;

namespace ImageEdit.TestServer;

/// <summary>
/// Reads an application/json edit (EditImageBodyJsonParam) with a Utf8JsonReader over the buffered body: scalar fields go
/// into RecordedRequest.Fields under their wire names as invariant text (numbers as digits, booleans as true/false,
/// nulls left out, as the multipart path would have them), image references into ImageRefs. It refuses what is not
/// the body's shape: malformed JSON, unknown or repeated properties, wrong JSON types, a reference with both or neither
/// of image_url and file_id, an unusable image_url. What the values mean is ContractValidator.CheckJson's business.
/// </summary>
internal static class JsonEditReader
{
    public const long MaxImageUrlLength = 20_971_520;
    private const int MaxImages = 16;
    private const int UrlKept = 64 * 1024;

    public static async Task<Problem?> ReadAsync(HttpContext context, RecordedRequest recorded, FileStore files, int headBytes)
    {
        BufferedBody body;
        try
        {
            body = await BufferedBody.ReadAsync(context.Request.Body, context.RequestAborted);
        }
        catch (IOException ex)
        {
            return new Problem("The request body could not be read: " + ex.Message, null, null);
        }
        using (body)
        {
            return Parse(body.Sequence, recorded, files, headBytes);
        }
    }

    public static Problem? Parse(ReadOnlySequence<byte> json, RecordedRequest recorded, FileStore files, int headBytes)
    {
        // A UTF-8 byte order mark is not JSON, but some clients write one; it says nothing about the body.
        if (json.Length >= 3 && json.FirstSpan.Length >= 3 && json.FirstSpan[..3].SequenceEqual("\uFEFF"u8)) json = json.Slice(3);
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 });
        try
        {
            var problem = ReadBody(ref reader, recorded, files, headBytes);
            if (problem != null) return problem;
            // Past the object there may be only whitespace; the reader throws on anything else.
            reader.Read();
            return null;
        }
        catch (JsonException)
        {
            return NotJson();
        }
        catch (InvalidOperationException)
        {
            // GetString on a string that is not valid UTF-8.
            return NotJson();
        }
    }

    private static Problem NotJson() => new(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
        null, null);

    private static Problem? ReadBody(ref Utf8JsonReader reader, RecordedRequest recorded, FileStore files, int headBytes)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return new Problem($"Invalid type for the request body: expected an object, but got {TypeName(ref reader)} instead.", null, "invalid_type");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            string name = reader.GetString()!;
            reader.Read();
            if (!seen.Add(name)) return new Problem($"Duplicate parameter: '{name}' appears more than once.", name, "duplicate_parameter");
            Problem? problem;
            // The names and their JSON types are EditFields' lists; any other name is unknown.
            if (name == EditFields.JsonImages) problem = ReadImages(ref reader, recorded, files, headBytes);
            else if (EditFields.JsonImageReferences.Contains(name)) problem = ReadReference(ref reader, new RecordedImageRef { Role = name, Index = 0 }, recorded, files, headBytes);
            else if (EditFields.JsonStrings.Contains(name)) problem = ReadString(ref reader, recorded, name, nullable: false);
            else if (EditFields.JsonNullableStrings.Contains(name)) problem = ReadString(ref reader, recorded, name, nullable: true);
            else if (EditFields.JsonNullableIntegers.Contains(name)) problem = ReadInteger(ref reader, recorded, name);
            else if (EditFields.JsonBooleans.Contains(name)) problem = ReadBoolean(ref reader, recorded, name);
            else problem = new Problem($"Unknown parameter: '{name}'.", name, "unknown_parameter");
            if (problem != null) return problem;
        }
        return null;
    }

    private static Problem? ReadString(ref Utf8JsonReader reader, RecordedRequest recorded, string name, bool nullable)
    {
        if (reader.TokenType == JsonTokenType.Null && nullable) return null;
        if (reader.TokenType != JsonTokenType.String) return WrongType(name, "a string", ref reader);
        recorded.Fields.Add(new RecordedField(name, reader.GetString()!));
        return null;
    }

    private static Problem? ReadInteger(ref Utf8JsonReader reader, RecordedRequest recorded, string name)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long value)) return WrongType(name, "an integer", ref reader);
        recorded.Fields.Add(new RecordedField(name, value.ToString(CultureInfo.InvariantCulture)));
        return null;
    }

    private static Problem? ReadBoolean(ref Utf8JsonReader reader, RecordedRequest recorded, string name)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False)) return WrongType(name, "a boolean", ref reader);
        recorded.Fields.Add(new RecordedField(name, reader.TokenType == JsonTokenType.True ? "true" : "false"));
        return null;
    }

    private static Problem? ReadImages(ref Utf8JsonReader reader, RecordedRequest recorded, FileStore files, int headBytes)
    {
        if (reader.TokenType != JsonTokenType.StartArray) return WrongType("images", "an array", ref reader);
        int count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (count >= MaxImages)
            {
                reader.Skip();
                count++;
                continue;
            }
            var problem = ReadReference(ref reader, new RecordedImageRef { Role = "image", Index = count }, recorded, files, headBytes);
            if (problem != null) return problem;
            count++;
        }
        if (count == 0) return new Problem("Invalid 'images': empty array. Expected an array with minimum length 1, but got an empty array instead.", "images", "empty_array");
        if (count > MaxImages) return new Problem($"Invalid 'images': array too long. Expected an array with maximum length {MaxImages}, but got an array with length {count} instead.", "images", "array_above_max_length");
        return null;
    }

    /// <summary>One ImageRefParam: an object with exactly one of image_url and file_id, and nothing else.</summary>
    private static Problem? ReadReference(ref Utf8JsonReader reader, RecordedImageRef target, RecordedRequest recorded, FileStore files, int headBytes)
    {
        string param = target.Param;
        if (reader.TokenType != JsonTokenType.StartObject) return WrongType(param, "an object", ref reader);
        recorded.ImageRefs.Add(target);
        bool hasUrl = false, hasFile = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            string name = reader.GetString()!;
            reader.Read();
            string path = $"{param}.{name}";
            if (name is "image_url" or "file_id")
            {
                if (name == "image_url" ? hasUrl : hasFile) return new Problem($"Duplicate parameter: '{path}' appears more than once.", path, "duplicate_parameter");
                if (reader.TokenType != JsonTokenType.String) return WrongType(path, "a string", ref reader);
                if (name == "image_url")
                {
                    hasUrl = true;
                    var problem = ReadImageUrl(ref reader, target, path, headBytes);
                    if (problem != null) return problem;
                }
                else
                {
                    hasFile = true;
                    target.FileId = reader.GetString();
                }
            }
            else
            {
                return new Problem($"Unknown parameter: '{path}'.", path, "unknown_parameter");
            }
        }
        if (hasUrl && hasFile) return new Problem($"Invalid '{param}': provide exactly one of 'image_url' or 'file_id', not both.", param, "invalid_value");
        if (!hasUrl && !hasFile) return new Problem($"Missing required parameter: '{param}' needs 'image_url' or 'file_id'.", param, "missing_required_parameter");
        if (hasFile)
        {
            target.Kind = "file_id";
            if (files.TryGet(target.FileId!, out var stored))
            {
                target.Found = true;
                target.FileName = stored.FileName;
                target.Length = stored.Content.Length;
                target.Sha256 = stored.Sha256;
                target.Head = stored.Head.Length <= headBytes ? stored.Head : stored.Head[..headBytes];
            }
        }
        return null;
    }

    private static Problem? ReadImageUrl(ref Utf8JsonReader reader, RecordedImageRef target, string param, int headBytes)
    {
        using var decoder = new ImageUrlDecoder(headBytes);
        bool escaped = reader.ValueIsEscaped;
        if (reader.HasValueSequence)
        {
            foreach (var segment in reader.ValueSequence) decoder.Feed(segment.Span, escaped);
        }
        else
        {
            decoder.Feed(reader.ValueSpan, escaped);
        }
        decoder.Complete();
        target.UrlLength = decoder.Characters;
        if (decoder.Characters > MaxImageUrlLength)
        {
            target.Kind = decoder.IsDataUrl ? "data_url" : "url";
            return new Problem($"Invalid '{param}': string too long. Expected a string with maximum length {MaxImageUrlLength}, but got a string with length {decoder.Characters} instead.", param, "string_above_max_length");
        }
        if (decoder.IsDataUrl)
        {
            target.Kind = "data_url";
            target.Url = decoder.Header ?? "data:";
            target.MediaType = decoder.MediaType;
            if (decoder.Error != null) return new Problem($"Invalid '{param}': {decoder.Error}", param, "invalid_image_url");
            var (sha, head) = decoder.Finish();
            target.Length = decoder.DecodedLength;
            target.Sha256 = sha;
            target.Head = head;
            return null;
        }
        string url = reader.GetString()!;
        target.Kind = "url";
        target.Url = url.Length <= UrlKept ? url : url[..UrlKept];
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps || uri.Host.Length == 0)
        {
            string shown = url.Length <= 100 ? url : url[..100] + "...";
            return new Problem($"Invalid '{param}': expected an https URL or a base64 data URL (data:image/png;base64,...), but got '{shown}'.", param, "invalid_image_url");
        }
        return null;
    }

    private static Problem WrongType(string param, string expected, ref Utf8JsonReader reader) =>
        new($"Invalid type for '{param}': expected {expected}, but got {TypeName(ref reader)} instead.", param, "invalid_type");

    private static string TypeName(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Number => reader.TryGetInt64(out _) ? "an integer" : "a decimal",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        _ => "something else",
    };
}
