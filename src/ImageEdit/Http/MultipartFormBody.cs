using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace ImageEdit.Http
{
    /// <summary>
    /// A multipart/form-data body whose file parts are copied from disk while it is sent, never held in memory,
    /// with a Content-Length computed up front so that nothing is chunked. A new instance is built for every try.
    /// </summary>
    internal sealed class MultipartFormBody : HttpContent
    {
        private const int CopyBufferSize = 128 * 1024;
        private static readonly Encoding Utf8 = new UTF8Encoding(false);
        private readonly List<Part> _parts = new List<Part>();
        private readonly string _boundary;
        private readonly CancellationToken _cancellation;
        private readonly Action<long>? _bytesSent;

        /// <summary>Told each file's SHA-256 and length once it has been sent whole.</summary>
        public Action<FileDigest>? FileSent { get; set; }

        public MultipartFormBody(CancellationToken cancellation = default, Action<long>? bytesSent = null, string? boundary = null)
        {
            _boundary = boundary ?? "----ImageEdit" + Guid.NewGuid().ToString("N");
            _cancellation = cancellation;
            _bytesSent = bytesSent;
            Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=" + _boundary);
        }

        public string Boundary => _boundary;

        public void AddText(string name, string value)
        {
            string head = $"--{_boundary}\r\nContent-Disposition: form-data; name=\"{Escape(name)}\"\r\n\r\n";
            _parts.Add(new Part(Utf8.GetBytes(head), Utf8.GetBytes(value), null));
        }

        /// <summary>
        /// Adds a file part (a symbolic link sends its target's bytes). <paramref name="length"/> is the length of the bytes
        /// reading the path gives (the caller asks the file); it must not change before it is sent. <paramref name="check"/>
        /// makes a check that sees the bytes as they go.
        /// </summary>
        public void AddFile(string name, string path, string contentType, long length, Func<IBodyCheck>? check = null)
        {
            string head = $"--{_boundary}\r\nContent-Disposition: form-data; name=\"{Escape(name)}\"; filename=\"{Escape(Path.GetFileName(path))}\"\r\n" +
                          $"Content-Type: {contentType}\r\n\r\n";
            _parts.Add(new Part(Utf8.GetBytes(head), null, new FileToSend(path, length, check)));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            foreach (var part in _parts)
            {
                length += part.Head.Length + (part.Text?.Length ?? part.File!.Length) + 2;
            }
            length += ClosingBytes().Length;
            return true;
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            // Pooled, and no larger than the largest file: a fresh 128 KB array per request would land on the large object
            // heap and, over a batch of thousands, keep the garbage collector busy.
            long largestFile = 0;
            foreach (var part in _parts)
            {
                largestFile = Math.Max(largestFile, part.File?.Length ?? 0);
            }
            byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(1, Math.Min(CopyBufferSize, largestFile)));
            try
            {
                await WritePartsAsync(stream, buffer).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        private async Task WritePartsAsync(Stream stream, byte[] buffer)
        {
            long sent = 0;
            var lineEnd = new byte[] { (byte)'\r', (byte)'\n' };
            foreach (var part in _parts)
            {
                await stream.WriteAsync(part.Head, 0, part.Head.Length, _cancellation).ConfigureAwait(false);
                if (part.Text != null)
                {
                    await stream.WriteAsync(part.Text, 0, part.Text.Length, _cancellation).ConfigureAwait(false);
                }
                else
                {
                    sent = await part.File!.SendAsync(buffer, buffer.Length, (count, _) => stream.WriteAsync(buffer, 0, count, _cancellation), FileSent, _bytesSent, sent, _cancellation)
                        .ConfigureAwait(false);
                }
                await stream.WriteAsync(lineEnd, 0, 2, _cancellation).ConfigureAwait(false);
            }
            byte[] closing = ClosingBytes();
            await stream.WriteAsync(closing, 0, closing.Length, _cancellation).ConfigureAwait(false);
        }

        private byte[] ClosingBytes() => Utf8.GetBytes($"--{_boundary}--\r\n");

        /// <summary>Quotes and line breaks would end the header value early; they are percent-encoded as browsers do.</summary>
        private static string Escape(string value) => value.Replace("\"", "%22").Replace("\r", "%0D").Replace("\n", "%0A");

        private sealed class Part
        {
            public Part(byte[] head, byte[]? text, FileToSend? file)
            {
                Head = head;
                Text = text;
                File = file;
            }

            public byte[] Head { get; }
            public byte[]? Text { get; }
            public FileToSend? File { get; }
        }
    }
}
