namespace ImageEdit.TestServer;

/// <summary>What one request put on the wire, as tests assert it.</summary>
public sealed class RecordedRequest
{
    public int Sequence { get; init; }
    /// <summary>When the request arrived, and how many edit requests were being handled then, itself included.</summary>
    public DateTimeOffset ReceivedAt { get; init; }
    public int InFlightOnArrival { get; set; }
    /// <summary>
    /// When the edit handler finished writing its answer (after any scripted delay): the benchmark takes how soon a client
    /// fills the freed slot from it (the next request's ReceivedAt). Null until then, and for other endpoints.
    /// </summary>
    public DateTimeOffset? AnsweredAt { get; set; }
    /// <summary>For a streamed answer, when the server began writing each event (in order), for the benchmark's event latency.</summary>
    public List<DateTimeOffset> EventsSentAt { get; } = new();
    public string Method { get; init; } = "";
    public string Path { get; init; } = "";
    public string Query { get; init; } = "";
    public Dictionary<string, string> Headers { get; init; } = new(StringComparer.OrdinalIgnoreCase);
    public long? ContentLength { get; init; }
    public bool Chunked { get; init; }
    public string? ContentType { get; init; }
    public List<RecordedField> Fields { get; } = new();
    public List<RecordedFile> Files { get; } = new();
    /// <summary>For an edit request, "multipart" or "json" by its Content-Type; null for any other body (and for other endpoints).</summary>
    public string? BodyForm { get; set; }
    /// <summary>For a JSON edit, every image reference it made (the images in order, then the mask), as the server resolved it.</summary>
    public List<RecordedImageRef> ImageRefs { get; } = new();
    public int Status { get; set; }
    /// <summary>The SHA-256 of every image the server returned, in order, so tests can check saved files against what was sent.</summary>
    public List<string> ReturnedImageSha256 { get; } = new();
    public string? Outcome { get; set; }

    public string? Field(string name) => Fields.FirstOrDefault(f => f.Name == name)?.Value;
}

public sealed record RecordedField(string Name, string Value);

/// <summary>A file part: its multipart headers, its length and the SHA-256 of its bytes (the bytes are not kept).</summary>
public sealed record RecordedFile(string Name, string? FileName, string? ContentType, string? RawDisposition, long Length, string Sha256, byte[] Head);

/// <summary>
/// One ImageRefParam of a JSON edit. Kind is "url" (an https URL, kept whole in Url), "data_url" (Url keeps only the
/// part before the comma, MediaType the declared type, UrlLength the length of the whole string) or "file_id". For
/// data URLs and found file ids, Length, Sha256 and Head describe the decoded bytes, as RecordedFile does for parts.
/// </summary>
public sealed class RecordedImageRef
{
    public string Role { get; init; } = "image";
    public int Index { get; init; }
    public string Kind { get; set; } = "";
    public string? Url { get; set; }
    public string? MediaType { get; set; }
    public long? UrlLength { get; set; }
    public string? FileId { get; set; }
    /// <summary>For a file id, the filename it was uploaded with.</summary>
    public string? FileName { get; set; }
    public long? Length { get; set; }
    public string? Sha256 { get; set; }
    public byte[]? Head { get; set; }
    /// <summary>For a file id: whether this server's Files API holds it. Not serialised; the answer says so.</summary>
    internal bool Found { get; set; }

    /// <summary>The JSON path tests and errors name it by: images[0], mask, markup.</summary>
    internal string Param => Role is "mask" or "markup" ? Role : $"images[{Index}]";
}
