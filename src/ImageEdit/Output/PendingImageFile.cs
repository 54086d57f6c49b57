using System;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Images;

using ImageEdit.Responses;

namespace ImageEdit.Output
{
    /// <summary>
    /// One returned image on its way to a file. Its bytes go to a temporary file while their SHA-256 is computed; if the
    /// file cannot be written (the folder vanished, the disk filled), they are kept in memory instead, so a paid answer
    /// is never lost: <see cref="Commit"/> then returns the bytes with the reason they could not be saved.
    /// Disposing it without committing deletes the temporary file.
    /// </summary>
    internal sealed class PendingImageFile : IImageDestination
    {
        private readonly ImageFileWriter _writer;
        private readonly OutputName _name;
        private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly Base64Decoder _decoder = new Base64Decoder();
        private readonly byte[] _head = new byte[12];
        private string? _temporary;
        private FileStream? _file;
        private MemoryStream? _memory;
        private Exception? _saveFailure;
        private int _headCount;
        private long _length;
        private bool _finished;

        internal PendingImageFile(ImageFileWriter writer, OutputName name)
        {
            _writer = writer;
            _name = name;
            try
            {
                _temporary = writer.TemporaryPath();
                // Tracked before it exists, so that a SIGTERM from now on finds it; and once the process is ending, a file
                // made after the handler's sweep is deleted here (see TemporaryFiles.Stopping).
                TemporaryFiles.Track(_temporary);
                // Unbuffered: every write reaches the system at once, so a write that fails (a full disk) fails here, in
                // Write, with the file holding exactly what was written before; no buffer is left to fail again on Dispose.
                _file = new FileStream(_temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 0, FileOptions.None);
                if (TemporaryFiles.Stopping)
                {
                    _file.Dispose();
                    _file = null;
                    ImageFileWriter.TryDelete(_temporary);
                    throw new IOException("the process is ending");
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                if (_temporary != null)
                {
                    TemporaryFiles.Untrack(_temporary);
                }
                _temporary = null;
                KeepInMemory(ex);
            }
        }

        /// <summary>Decodes UTF-8 base64 straight into the image; the last chunk says isFinal.</summary>
        public void WriteBase64(ReadOnlySpan<byte> base64Utf8, bool isFinal) => _decoder.Decode(base64Utf8, isFinal, Write);

        public async Task CopyFromAsync(Stream source, CancellationToken cancellation)
        {
            var buffer = new byte[81920];
            int read;
            while ((read = await source.ReadAsync(buffer, 0, buffer.Length, cancellation).ConfigureAwait(false)) > 0)
            {
                Write(buffer, 0, read);
            }
        }

        /// <summary>
        /// Gives the finished image its final name (<paramref name="name"/> when given, else the one it began with). When it
        /// cannot be saved, the returned image holds the bytes and the reason instead of a path.
        /// </summary>
        public SavedImage Commit(OutputName? name = null)
        {
            _finished = true;
            byte[] sha256 = _sha256.GetHashAndReset();
            var format = ImageFormats.FromMagic(_head, _headCount);
            string extension = format == ImageFormat.Unknown ? ".bin" : ImageFormats.Extension(format);
            if (_file != null)
            {
                try
                {
                    if (MustCloseBeforeRename)
                    {
                        _file.Dispose();
                    }
                    string path = _writer.Claim(_temporary!, name ?? _name, extension, sha256, _length, out bool adopted);
                    CloseQuietly();
                    TemporaryFiles.Untrack(_temporary!);
                    _temporary = null;
                    return adopted ? SavedImage.AlreadyThere(path, sha256, _length) : SavedImage.Saved(path, sha256, _length);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    return SavedImage.NotSaved(ReadBack(), sha256, _length, Failure(ex));
                }
            }
            return SavedImage.NotSaved(_memory?.ToArray(), sha256, _length, Failure(_saveFailure!));
        }

        public void Dispose()
        {
            CloseQuietly();
            if (_temporary != null)
            {
                ImageFileWriter.TryDelete(_temporary);
                TemporaryFiles.Untrack(_temporary);
                _temporary = null;
            }
            _sha256.Dispose();
            if (!_finished)
            {
                _memory = null;
            }
        }

        private void Write(byte[] buffer, int offset, int count)
        {
            if (count == 0)
            {
                return;
            }
            _sha256.AppendData(buffer, offset, count);
            int headTake = Math.Min(count, _head.Length - _headCount);
            if (headTake > 0)
            {
                Buffer.BlockCopy(buffer, offset, _head, _headCount, headTake);
                _headCount += headTake;
            }
            if (_file != null)
            {
                try
                {
                    _file.Write(buffer, offset, count);
                    _length += count;
                    return;
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    KeepWrittenBytesInMemory(ex);
                }
            }
            _memory!.Write(buffer, offset, count);
            _length += count;
        }

        /// <summary>
        /// The file stopped taking bytes: what it already holds (the first <see cref="_length"/> bytes; a write cut short
        /// may have left part of the failed piece after them, which is ignored) is read back into memory, and the rest
        /// follows there.
        /// </summary>
        private void KeepWrittenBytesInMemory(Exception failure)
        {
            var memory = new MemoryStream();
            try
            {
                _file!.Position = 0;
                CopyExactly(_file, memory, _length);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is NotSupportedException)
            {
                throw new OutputWriteException($"Could not save {_name} in {_writer.Directory}, nor read back what was written of it: {failure.Message}", failure);
            }
            finally
            {
                CloseQuietly();
                ImageFileWriter.TryDelete(_temporary!);
                TemporaryFiles.Untrack(_temporary!);
                _temporary = null;
            }
            _memory = memory;
            _saveFailure = failure;
        }

        /// <summary>Closes the file; a close that fails (a share gone) changes nothing, since every byte is accounted for already.</summary>
        private void CloseQuietly()
        {
            try
            {
                _file?.Dispose();
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
            }
            _file = null;
        }

        private void KeepInMemory(Exception failure)
        {
            _memory = new MemoryStream();
            _saveFailure = failure;
        }

        /// <summary>
        /// The temporary file is complete but could not be named: its bytes are read back, from the open handle where the
        /// system lets a file be renamed while open (so that even a deleted folder gives them back), so they still reach the user.
        /// </summary>
        private byte[]? ReadBack()
        {
            try
            {
                if (!MustCloseBeforeRename)
                {
                    var bytes = new MemoryStream();
                    _file!.Position = 0;
                    CopyExactly(_file, bytes, _length);
                    return bytes.ToArray();
                }
                return File.ReadAllBytes(_temporary!);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ObjectDisposedException)
            {
                return null;
            }
            finally
            {
                CloseQuietly();
                ImageFileWriter.TryDelete(_temporary!);
                TemporaryFiles.Untrack(_temporary!);
                _temporary = null;
            }
        }

        /// <summary>Windows cannot rename a file that is open without FILE_SHARE_DELETE; Unix can.</summary>
        private static readonly bool MustCloseBeforeRename = System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Windows);

        private OutputWriteException Failure(Exception cause)
        {
            _writer.NoteFailedSave(cause);
            return new OutputWriteException($"Could not save {_name} in {_writer.Directory}: {ImageFileWriter.Reason(cause)}. The image is kept in the result's B64Json instead.", cause)
            {
                Advice = _writer.AdviceWhenNotSaved,
            };
        }

        private static void CopyExactly(Stream source, Stream destination, long count)
        {
            var buffer = new byte[81920];
            while (count > 0)
            {
                int read = source.Read(buffer, 0, (int)Math.Min(buffer.Length, count));
                if (read == 0)
                {
                    throw new IOException("the temporary file is shorter than what was written to it");
                }
                destination.Write(buffer, 0, read);
                count -= read;
            }
        }
    }

    /// <summary>The pending file a parsed image was decoded into (the parser knows it only as a destination).</summary>
    internal static class ParsedImageFiles
    {
        public static PendingImageFile? PendingFile(this ParsedImage image) => (PendingImageFile?)image.File;
    }
}
