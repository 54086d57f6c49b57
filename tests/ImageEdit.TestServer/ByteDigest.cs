using System.Security.Cryptography;

namespace ImageEdit.TestServer;

/// <summary>
/// Takes bytes piece by piece and keeps only what the records need: the count, a SHA-256 and the first bytes.
/// </summary>
internal sealed class ByteDigest : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly int _headLimit;
    private readonly MemoryStream _head = new();

    public ByteDigest(int headLimit) => _headLimit = headLimit;

    public long Length { get; private set; }

    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return;
        _hash.AppendData(bytes);
        int room = _headLimit - (int)_head.Length;
        if (room > 0) _head.Write(bytes[..Math.Min(room, bytes.Length)]);
        Length += bytes.Length;
    }

    /// <summary>The lowercase hex SHA-256 of everything appended, and the first bytes; call once.</summary>
    public (string Sha256, byte[] Head) Finish() => (Convert.ToHexString(_hash.GetHashAndReset()).ToLowerInvariant(), _head.ToArray());

    public void Dispose()
    {
        _hash.Dispose();
        _head.Dispose();
    }
}
