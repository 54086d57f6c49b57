using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace ImageEdit.Http
{
    /// <summary>
    /// A file that goes into a body while it is sent, read from disk piece by piece, never held whole. Its length is
    /// announced before it is sent (in the Content-Length), so a file that becomes shorter, or changes length, while it is
    /// read abandons the request. Its bytes are shown to the body check and hashed on the way out.
    /// </summary>
    internal sealed class FileToSend
    {
        /// <param name="path">The file (a symbolic link sends its target's bytes).</param>
        /// <param name="length">The length announced for it; the file must keep it until it has been sent.</param>
        /// <param name="check">Makes a check that sees the bytes as they go; null checks nothing.</param>
        public FileToSend(string path, long length, Func<IBodyCheck>? check)
        {
            Path = path;
            Length = length;
            Check = check;
        }

        public string Path { get; }
        public long Length { get; }
        public Func<IBodyCheck>? Check { get; }

        /// <summary>
        /// Reads the file in pieces of <paramref name="pieceSize"/> bytes (each filled whole but the last) into
        /// <paramref name="buffer"/> and hands each to <paramref name="write"/> (with whether it is the last).
        /// </summary>
        /// <param name="fileSent">Told the file's SHA-256 and length once it has been sent whole; null hashes nothing.</param>
        /// <param name="bytesSent">Told the body's file bytes sent so far, counting from <paramref name="sentBefore"/>.</param>
        /// <returns>The file bytes sent so far, this file's included.</returns>
        public async Task<long> SendAsync(byte[] buffer, int pieceSize, Func<int, bool, Task> write, Action<FileDigest>? fileSent, Action<long>? bytesSent,
            long sentBefore, CancellationToken cancellation)
        {
            using var file = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
            using var digest = fileSent is null ? null : new SendingDigest(Path);
            var check = Check?.Invoke();
            long sent = sentBefore;
            long remaining = Length;
            while (remaining > 0)
            {
                int want = (int)Math.Min(pieceSize, remaining);
                int filled = 0;
                while (filled < want)
                {
                    int read = await file.ReadAsync(buffer, filled, want - filled, cancellation).ConfigureAwait(false);
                    if (read == 0)
                    {
                        throw new IOException($"{Path} became shorter while it was being sent; the request was abandoned.");
                    }
                    filled += read;
                }
                remaining -= filled;
                digest?.Append(buffer, 0, filled);
                check?.Append(buffer, 0, filled);
                await write(filled, remaining == 0).ConfigureAwait(false);
                sent += filled;
                bytesSent?.Invoke(sent);
            }
            if (file.Length != Length)
            {
                throw new IOException($"{Path} changed length while it was being sent; the request was abandoned.");
            }
            check?.Finish();
            if (digest != null)
            {
                fileSent!(digest.Finish());
            }
            return sent;
        }
    }
}
