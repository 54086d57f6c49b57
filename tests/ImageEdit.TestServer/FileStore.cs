using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace ImageEdit.TestServer;

/// <summary>One upload to /v1/files: its bytes in memory, and what the OpenAIFile object says of it.</summary>
public sealed class StoredFile
{
    public required string Id { get; init; }
    public required string FileName { get; init; }
    public required string Purpose { get; init; }
    public required long CreatedAt { get; init; }
    public long? ExpiresAt { get; init; }
    /// <summary>Upload order, to sort files created in the same second.</summary>
    public required long Order { get; init; }
    public required ReadOnlyMemory<byte> Content { get; init; }
    public required string Sha256 { get; init; }
    public required byte[] Head { get; init; }

    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["object"] = "file",
        ["bytes"] = Content.Length,
        ["created_at"] = CreatedAt,
        ["expires_at"] = ExpiresAt,
        ["filename"] = FileName,
        ["purpose"] = Purpose,
        ["status"] = "processed",
    };
}

/// <summary>The Files API's storage: every uploaded file, by id, until it is deleted or the server is reset.</summary>
public sealed class FileStore
{
    private const string Alphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private readonly ConcurrentDictionary<string, StoredFile> _files = new(StringComparer.Ordinal);
    private long _order;

    /// <summary>file- and 24 letters or digits.</summary>
    public static string NewId() => "file-" + new string(RandomNumberGenerator.GetItems<char>(Alphanumerics, 24));

    public long NextOrder() => Interlocked.Increment(ref _order);

    public void Add(StoredFile file) => _files[file.Id] = file;

    public bool TryGet(string id, out StoredFile file) => _files.TryGetValue(id, out file!);

    public bool Remove(string id) => _files.TryRemove(id, out _);

    public IReadOnlyList<StoredFile> All => _files.Values.ToList();

    public void Clear() => _files.Clear();
}
