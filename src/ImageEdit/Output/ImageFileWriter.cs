using System;
using System.Buffers;
using System.Buffers.Text;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Images;

namespace ImageEdit.Output
{
    /// <summary>
    /// Saves returned images into one folder without ever losing a file: each is written to a hidden temporary file in
    /// that folder and renamed into place only when complete, under a name no existing file has (unless -Force), with
    /// the extension its bytes call for. A failed or cancelled save leaves nothing behind.
    /// </summary>
    internal sealed class ImageFileWriter
    {
        private readonly bool _force;

        public ImageFileWriter(string directory, bool force)
        {
            Directory = directory;
            _force = force;
        }

        public string Directory { get; }

        /// <summary>Starts a new image file; write to it, then <see cref="PendingImageFile.Commit"/> it or dispose it to discard it.</summary>
        public PendingImageFile Begin(string baseName)
        {
            try
            {
                System.IO.Directory.CreateDirectory(Directory);
                string temporary = Path.Combine(Directory, $".{baseName}.{Guid.NewGuid():N}.partial");
                return new PendingImageFile(this, temporary, baseName);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new OutputWriteException($"Could not save {baseName} in {Directory}: {ex.Message}", ex);
            }
        }

        /// <summary>Copies a downloaded image into a new file.</summary>
        public async Task<string> SaveStreamAsync(Stream source, string baseName, CancellationToken cancellation)
        {
            using var file = Begin(baseName);
            await file.CopyFromAsync(source, cancellation).ConfigureAwait(false);
            return file.Commit();
        }

        /// <summary>Removes files saved for a request that then failed, so a failed request leaves nothing.</summary>
        public static void Remove(IEnumerable<string> paths)
        {
            foreach (var path in paths)
            {
                PendingImageFile.TryDelete(path);
            }
        }

        /// <summary>Renames the finished file to the first free name: base.ext, then "base (2).ext", "base (3).ext"...</summary>
        internal string ClaimName(string temporary, string baseName, string extension)
        {
            for (int attempt = 1; ; attempt++)
            {
                string candidate = Path.Combine(Directory, baseName + (attempt == 1 ? "" : $" ({attempt})") + extension);
                if (_force && attempt == 1 && File.Exists(candidate))
                {
                    File.Replace(temporary, candidate, null);
                    return candidate;
                }
                if (File.Exists(candidate))
                {
                    continue;
                }
                try
                {
                    // File.Move refuses to replace an existing file, so a file created since the check is never overwritten.
                    File.Move(temporary, candidate);
                    return candidate;
                }
                catch (IOException) when (File.Exists(candidate) && File.Exists(temporary))
                {
                }
            }
        }
    }

    /// <summary>An image being written to its temporary file. Disposing it without committing deletes the file.</summary>
    internal sealed class PendingImageFile : IDisposable
    {
        private readonly ImageFileWriter _writer;
        private readonly string _temporary;
        private readonly string _baseName;
        private readonly FileStream _stream;
        private readonly Base64Decoder _decoder = new Base64Decoder();
        private bool _committed;

        internal PendingImageFile(ImageFileWriter writer, string temporary, string baseName)
        {
            _writer = writer;
            _temporary = temporary;
            _baseName = baseName;
            _stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.None);
        }

        /// <summary>Decodes UTF-8 base64 straight into the file; the last chunk says isFinal.</summary>
        public void WriteBase64(ReadOnlySpan<byte> base64Utf8, bool isFinal)
        {
            try
            {
                _decoder.Decode(base64Utf8, isFinal, _stream);
            }
            catch (IOException ex)
            {
                throw new OutputWriteException($"Could not save {_baseName} in {_writer.Directory}: {ex.Message}", ex);
            }
        }

        public async Task CopyFromAsync(Stream source, CancellationToken cancellation)
        {
            try
            {
                await source.CopyToAsync(_stream, 81920, cancellation).ConfigureAwait(false);
            }
            catch (IOException ex) when (!(ex is FileNotFoundException))
            {
                throw new OutputWriteException($"Could not save {_baseName} in {_writer.Directory}: {ex.Message}", ex);
            }
        }

        /// <summary>Flushes the file and renames it to its final name (from <paramref name="baseName"/> when given), which it returns.</summary>
        public string Commit(string? baseName = null)
        {
            try
            {
                _stream.Flush();
                _stream.Position = 0;
                var header = new byte[12];
                int count = _stream.Read(header, 0, header.Length);
                _stream.Dispose();
                var format = ImageFormats.FromMagic(header, count);
                string path = _writer.ClaimName(_temporary, baseName ?? _baseName, format == ImageFormat.Unknown ? ".bin" : ImageFormats.Extension(format));
                _committed = true;
                return path;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new OutputWriteException($"Could not save {_baseName} in {_writer.Directory}: {ex.Message}", ex);
            }
        }

        public void Dispose()
        {
            _stream.Dispose();
            if (!_committed)
            {
                TryDelete(_temporary);
            }
        }

        internal static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>Decodes base64 arriving in pieces of any length, carrying the incomplete quantum from one piece to the next.</summary>
    internal sealed class Base64Decoder
    {
        public const int ChunkChars = 64 * 1024;
        private readonly byte[] _carry = new byte[4];
        private readonly byte[] _output = new byte[ChunkChars / 4 * 3 + 3];
        private int _carried;

        public void Decode(ReadOnlySpan<byte> base64Utf8, bool isFinal, Stream destination)
        {
            while (_carried > 0 && _carried < 4 && base64Utf8.Length > 0)
            {
                _carry[_carried++] = base64Utf8[0];
                base64Utf8 = base64Utf8.Slice(1);
            }
            if (_carried == 4)
            {
                Write(new ReadOnlySpan<byte>(_carry, 0, 4), isFinal && base64Utf8.IsEmpty, destination);
                _carried = 0;
            }
            while (base64Utf8.Length >= 4)
            {
                int take = Math.Min(ChunkChars, base64Utf8.Length - base64Utf8.Length % 4);
                bool last = isFinal && take == base64Utf8.Length;
                Write(base64Utf8.Slice(0, take), last, destination);
                base64Utf8 = base64Utf8.Slice(take);
            }
            if (!base64Utf8.IsEmpty)
            {
                if (isFinal)
                {
                    throw new FormatException("The image's base64 text ends in the middle of a group of four characters.");
                }
                base64Utf8.CopyTo(_carry);
                _carried = base64Utf8.Length;
            }
        }

        private void Write(ReadOnlySpan<byte> base64Utf8, bool isFinal, Stream destination)
        {
            var status = Base64.DecodeFromUtf8(base64Utf8, _output, out int consumed, out int written, isFinal);
            if (status != OperationStatus.Done && !(status == OperationStatus.NeedMoreData && !isFinal && consumed == base64Utf8.Length))
            {
                throw new FormatException($"The image's base64 text is invalid ({status}).");
            }
            destination.Write(_output, 0, written);
        }
    }

    /// <summary>A returned image could not be written (disk full, access denied); never mistaken for a network failure.</summary>
    public sealed class OutputWriteException : Exception
    {
        public OutputWriteException(string message, Exception inner) : base(message, inner)
        {
        }
    }
}
