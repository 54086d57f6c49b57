namespace ImageEdit.TestServer;

/// <summary>What one request put on the wire, as tests assert it.</summary>
public sealed class RecordedRequest
{
    public int Sequence { get; init; }
    /// <summary>When the request arrived, and how many edit requests were being handled then, itself included.</summary>
    public DateTimeOffset ReceivedAt { get; init; }
    public int InFlightOnArrival { get; set; }
    public string Method { get; init; } = "";
    public string Path { get; init; } = "";
    public string Query { get; init; } = "";
    public Dictionary<string, string> Headers { get; init; } = new(StringComparer.OrdinalIgnoreCase);
    public long? ContentLength { get; init; }
    public bool Chunked { get; init; }
    public string? ContentType { get; init; }
    public List<RecordedField> Fields { get; } = new();
    public List<RecordedFile> Files { get; } = new();
    public int Status { get; set; }
    /// <summary>The SHA-256 of every image the server returned, in order, so tests can check saved files against what was sent.</summary>
    public List<string> ReturnedImageSha256 { get; } = new();
    public string? Outcome { get; set; }

    public string? Field(string name) => Fields.FirstOrDefault(f => f.Name == name)?.Value;
}

public sealed record RecordedField(string Name, string Value);

/// <summary>A file part: its multipart headers, its length and the SHA-256 of its bytes (the bytes are not kept).</summary>
public sealed record RecordedFile(string Name, string? FileName, string? ContentType, string? RawDisposition, long Length, string Sha256, byte[] Head);
