using System;
using System.Collections.Generic;
using System.IO;
using ImageEdit.Output;

namespace ImageEdit.Operations
{
    /// <summary>A batch's request lines in the record, read one at a time by custom_id.</summary>
    internal sealed class BatchRequestLines
    {
        private readonly RunRecord _record;
        private readonly Dictionary<string, long> _offsets;

        public BatchRequestLines(RunRecord record, Dictionary<string, long> offsets)
        {
            _record = record;
            _offsets = offsets;
        }

        public IEnumerable<string> Ids => _offsets.Keys;

        /// <summary>Why the record could no longer be read (its folder removed while receiving), or null.</summary>
        public Exception? Lost { get; private set; }

        /// <summary>
        /// The request line of a custom_id, or null for one this batch does not have. When the record can no longer be
        /// read, a stand-in named by the custom_id, so that the answer still reaches the pipeline.
        /// </summary>
        public BatchRequestLine? Get(string customId)
        {
            if (!_offsets.TryGetValue(customId, out long offset))
            {
                return null;
            }
            try
            {
                return _record.ReadAt<BatchRequestLine>(offset);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                Lost ??= ex;
                return new BatchRequestLine { CustomId = customId, Source = $"{customId} (its input is not known: {_record.Path} could not be read)", Stem = customId };
            }
        }
    }
}
