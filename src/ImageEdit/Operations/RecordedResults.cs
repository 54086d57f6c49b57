using System;
using System.Collections.Generic;
using System.Linq;
using ImageEdit.Models;
using ImageEdit.Output;

namespace ImageEdit.Operations
{
    /// <summary>
    /// A result as the run record has it: what the answer said (created, usage, format, quality, size, background), its
    /// request ID, cost and tries, and its images. Used for a result taken from the record instead of being paid for
    /// again (-Resume, a batch received twice) and for a batch's result just saved.
    /// </summary>
    internal static class RecordedResults
    {
        /// <summary>The result of a record line, its edited images the files it saved in <paramref name="folder"/>.</summary>
        public static ImageEditResult Result(RecordEntry entry, string folder, string source, string? model, bool resumed) =>
            Result(entry, entry.Files.Where(f => f.Kind == "edited").OrderBy(f => f.Index)
                .Select(f => new ImageEditData(f.Index, null, null, null, f.ToSaved(folder))).ToList(), source, model, resumed);

        /// <summary>The result of a record line with these images (saved, or held because they could not be).</summary>
        public static ImageEditResult Result(RecordEntry entry, List<ImageEditData> data, string source, string? model, bool resumed) =>
            new ImageEditResult(CreatedOf(entry), entry.Background, data, entry.OutputFormat, entry.Quality, entry.Size, WireMapping.ToUsage(entry.Usage?.ToDto()),
                source, model, entry.RequestId, resumed)
            { Cost = entry.Cost, Attempts = entry.Attempts ?? 0 };

        /// <summary>When the answer was made (a line just written may carry any number the API sent; a date holds years 1970 to 9999).</summary>
        public static DateTimeOffset CreatedOf(RecordEntry entry) => WireMapping.FromUnixTime(Math.Max(0, Math.Min(entry.Created, 253402300799)));
    }
}
