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
        public void AddLiteral(byte[] utf8) => _pieces.Add(new Piece(utf8, null));

        /// <summary>Adds a file's bytes as base64 (inside a JSON string the caller opens and closes); its length must not change before it is sent.</summary>
        public void AddBase64File(string path, long length, Func<IBodyCheck>? check = null) => _pieces.Add(new Piece(null, new FileToSend(path, length, check)));

        /// <summary>How many characters base64 makes of <paramref name="bytes"/> bytes.</summary>
        public static long Base64Length(long bytes) => (bytes + 2) / 3 * 4;

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            foreach (var piece in _pieces)
            {
                length += piece.Literal?.Length ?? Base64Length(piece.File!.Length);
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
                    sent = await EncodeFileAsync(piece.File!, stream, input, output, sent).ConfigureAwait(false);
                }
            }
            finally
            {
                if (input != null) ArrayPool<byte>.Shared.Return(input);
                if (output != null) ArrayPool<byte>.Shared.Return(output);
            }
        }

        /// <summary>Sends a file as base64, a piece at a time: each piece but the last a whole number of 3-byte groups.</summary>
        private Task<long> EncodeFileAsync(FileToSend file, Stream destination, byte[] input, byte[] output, long sent) =>
            file.SendAsync(input, ReadSize, async (count, last) =>
            {
                var status = Base64.EncodeToUtf8(new ReadOnlySpan<byte>(input, 0, count), output, out _, out int written, isFinalBlock: last);
                if (status != OperationStatus.Done)
                {
                    throw new InvalidOperationException($"Base64 encoding stopped with {status}.");
                }
                await destination.WriteAsync(output, 0, written, _cancellation).ConfigureAwait(false);
            }, FileSent, _bytesSent, sent, _cancellation);

        private sealed class Piece
        {
            public Piece(byte[]? literal, FileToSend? file)
            {
                Literal = literal;
                File = file;
            }

            public byte[]? Literal { get; }
            public FileToSend? File { get; }
        }
    }
}
