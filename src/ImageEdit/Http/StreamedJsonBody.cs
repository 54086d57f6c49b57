using System;
using System.Buffers;
using System.Buffers.Text;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;

namespace ImageEdit.Http
{
    /// <summary>
    /// An application/json body whose large string values are files, base64-encoded from disk while the body is sent:
    /// a 15 MB image becomes a 20 MB data URL without either ever being held in memory. The JSON around them is written
    /// by the caller as literal UTF-8 pieces. Its Content-Length is known up front, so nothing is chunked.
    /// </summary>
    internal sealed class StreamedJsonBody : HttpContent
    {
        /// <summary>Bytes read from a file at a time: a multiple of 3, so that each piece encodes to whole base64 quanta.</summary>
        private const int ReadSize = 3 * 32 * 1024;
        private readonly List<Piece> _pieces = new List<Piece>();
        private readonly CancellationToken _cancellation;
        private readonly Action<long>? _bytesSent;

        /// <summary>Told each file's SHA-256 and length once it has been sent whole.</summary>
        public Action<FileDigest>? FileSent { get; set; }

        public StreamedJsonBody(CancellationToken cancellation = default, Action<long>? bytesSent = null)
        {
            _cancellation = cancellation;
            _bytesSent = bytesSent;
            Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }

        /// <summary>Adds JSON text as it is.</summary>
        public void AddLiteral(byte[] utf8) => _pieces.Add(new Piece(utf8, null, 0, null));

        /// <summary>Adds a file's bytes as base64 (inside a JSON string the caller opens and closes); its length must not change before it is sent.</summary>
        public void AddBase64File(string path, long length, Func<IBodyCheck>? check = null) => _pieces.Add(new Piece(null, path, length, check));

        /// <summary>How many characters base64 makes of <paramref name="bytes"/> bytes.</summary>
        public static long Base64Length(long bytes) => (bytes + 2) / 3 * 4;

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            foreach (var piece in _pieces)
            {
                length += piece.Literal?.Length ?? Base64Length(piece.FileLength);
            }
            return true;
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            long sent = 0;
            byte[]? input = null;
            byte[]? output = null;
            try
            {
                foreach (var piece in _pieces)
                {
                    if (piece.Literal != null)
                    {
                        await stream.WriteAsync(piece.Literal, 0, piece.Literal.Length, _cancellation).ConfigureAwait(false);
                        continue;
                    }
                    input ??= ArrayPool<byte>.Shared.Rent(ReadSize);
                    output ??= ArrayPool<byte>.Shared.Rent((int)Base64Length(ReadSize));
                    sent = await EncodeFileAsync(piece, stream, input, output, sent).ConfigureAwait(false);
                }
            }
            finally
            {
                if (input != null) ArrayPool<byte>.Shared.Return(input);
                if (output != null) ArrayPool<byte>.Shared.Return(output);
            }
        }

        private async Task<long> EncodeFileAsync(Piece piece, Stream destination, byte[] input, byte[] output, long sent)
        {
            using var file = new FileStream(piece.FilePath!, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
            using var digest = FileSent is null ? null : new SendingDigest(piece.FilePath!);
            var check = piece.Check?.Invoke();
            long remaining = piece.FileLength;
            while (remaining > 0)
            {
                int want = (int)Math.Min(ReadSize, remaining);
                int filled = 0;
                while (filled < want)
                {
                    int read = await file.ReadAsync(input, filled, want - filled, _cancellation).ConfigureAwait(false);
                    if (read == 0)
                    {
                        throw new IOException($"{piece.FilePath} became shorter while it was being sent; the request was abandoned.");
                    }
                    filled += read;
                }
                remaining -= filled;
                digest?.Append(input, 0, filled);
                check?.Append(input, 0, filled);
                var status = Base64.EncodeToUtf8(new ReadOnlySpan<byte>(input, 0, filled), output, out _, out int written, isFinalBlock: remaining == 0);
                if (status != OperationStatus.Done)
                {
                    throw new InvalidOperationException($"Base64 encoding stopped with {status}.");
                }
                await destination.WriteAsync(output, 0, written, _cancellation).ConfigureAwait(false);
                sent += filled;
                _bytesSent?.Invoke(sent);
            }
            if (file.Length != piece.FileLength)
            {
                throw new IOException($"{piece.FilePath} changed length while it was being sent; the request was abandoned.");
            }
            check?.Finish();
            if (digest != null)
            {
                FileSent!(digest.Finish());
            }
            return sent;
        }

        private sealed class Piece
        {
            public Piece(byte[]? literal, string? filePath, long fileLength, Func<IBodyCheck>? check)
            {
                Literal = literal;
                FilePath = filePath;
                FileLength = fileLength;
                Check = check;
            }

            public Func<IBodyCheck>? Check { get; }

            public byte[]? Literal { get; }
            public string? FilePath { get; }
            public long FileLength { get; }
        }
    }
}
