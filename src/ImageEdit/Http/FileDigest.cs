using System;
using System.Security.Cryptography;

namespace ImageEdit.Http
{
    /// <summary>The SHA-256 and length of a file's bytes as a body sent them: hashed on the way out, never read again for it.</summary>
    internal sealed class FileDigest
    {
        public FileDigest(string path, byte[] sha256, long length)
        {
            Path = path;
            Sha256 = sha256;
            Length = length;
        }

        public string Path { get; }
        public byte[] Sha256 { get; }
        public long Length { get; }
        public string Sha256Hex => BitConverter.ToString(Sha256).Replace("-", "").ToLowerInvariant();
    }

    /// <summary>Hashes a file's bytes as they are copied into a body, and says what it found once the whole file has gone.</summary>
    internal sealed class SendingDigest : IDisposable
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly string _path;
        private long _length;

        public SendingDigest(string path)
        {
            _path = path;
        }

        public void Append(byte[] buffer, int offset, int count)
        {
            _hash.AppendData(buffer, offset, count);
            _length += count;
        }

        public FileDigest Finish() => new FileDigest(_path, _hash.GetHashAndReset(), _length);

        public void Dispose() => _hash.Dispose();
    }
}
