using System;
using System.Collections.Generic;
using System.IO;
using ImageEdit.Output;

namespace ImageEdit.Operations
{
    /// <summary>
    /// The part files of a batch plan (each the input file of one batch): a request's JSONL line is appended to the current
    /// part, and a new part is begun past the lines or bytes one batch may take. A part file stays held (locked) from its
    /// creation until its batch is on record (see <see cref="PartFiles"/>), then it is deleted.
    /// </summary>
    internal sealed class BatchParts
    {
        private readonly List<Part> _parts = new List<Part>();
        private readonly string _folder;
        private readonly string _plan;
        private readonly int _maxLines;
        private readonly long _maxBytes;

        public BatchParts(string folder, string plan, int maxLines, long maxBytes)
        {
            _folder = folder;
            _plan = plan;
            _maxLines = maxLines;
            _maxBytes = maxBytes;
        }

        public int Count => _parts.Count;

        public IReadOnlyList<Part> All => _parts;

        /// <summary>Appends the line of request number <paramref name="lineNumber"/> (counted over the plan) to the part that can take it.</summary>
        public void Write(byte[] line, int lineNumber)
        {
            var part = _parts.Count == 0 ? null : _parts[_parts.Count - 1];
            if (part is null || part.Lines >= _maxLines || part.Bytes + line.Length > _maxBytes)
            {
                string path = Path.Combine(_folder, PartFiles.Name(_plan, _parts.Count));
                part = new Part(path, lineNumber)
                {
                    Stream = PartFiles.Create(path),
                };
                TemporaryFiles.Track(path);
                _parts.Add(part);
            }
            part.Stream!.Write(line, 0, line.Length);
            part.Bytes += line.Length;
            part.Lines++;
        }

        /// <summary>-WhatIf: counts the line of request number <paramref name="lineNumber"/> into the part it would go to, writing nothing.</summary>
        public void CountLine(int lineNumber)
        {
            if (_parts.Count == 0 || _parts[_parts.Count - 1].Lines >= _maxLines)
            {
                _parts.Add(new Part(null, lineNumber));
            }
            _parts[_parts.Count - 1].Lines++;
        }

        /// <summary>Closes and deletes every part file left (on record, or never to be submitted).</summary>
        public void ReleaseAll()
        {
            foreach (var part in _parts)
            {
                if (part.Path != null)
                {
                    part.Release();
                }
            }
        }

        /// <summary>One part file: the lines of one batch, from <see cref="FirstLine"/> on.</summary>
        internal sealed class Part
        {
            public Part(string? path, int firstLine)
            {
                Path = path;
                FirstLine = firstLine;
            }

            /// <summary>The part file; null under -WhatIf, where parts are only counted.</summary>
            public string? Path { get; }
            public int FirstLine { get; }
            public FileStream? Stream { get; set; }
            /// <summary>Keeps the part file held (locked) from its writer's close until its batch is on record.</summary>
            public FileStream? Hold { get; set; }
            public long Bytes { get; set; }
            public int Lines { get; set; }

            /// <summary>Closes the writer, keeping the file held while it is uploaded and made a batch.</summary>
            public void Seal()
            {
                Hold = PartFiles.Hold(Path!);
                Stream!.Dispose();
                Stream = null;
            }

            /// <summary>Closes the part file and deletes it: its batch is on record, or it will never be submitted.</summary>
            public void Release()
            {
                try
                {
                    Stream?.Dispose();
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    // A part that could not be written whole is never submitted; it is deleted below all the same.
                }
                Stream = null;
                Hold?.Dispose();
                Hold = null;
                ImageFileWriter.TryDelete(Path!);
                TemporaryFiles.Untrack(Path!);
            }
        }
    }
}
