using System;
using System.IO;
using System.Linq;
using ImageEdit.Http;
using ImageEdit.Models;
using ImageEdit.Output;
using ImageEdit.Requests;
using ImageEdit.Responses;

namespace ImageEdit.Operations
{
    /// <summary>
    /// -Resume: finds the run record's line for an identical request (same endpoint, prompt, fields, and source bytes)
    /// whose saved files are all still there, unchanged; such an input is not sent again, and its recorded result goes
    /// down the pipeline marked as resumed. A source file is read to hash it only when its path, length and write time
    /// already match a line, so inputs that are new are read once, by the request itself.
    /// </summary>
    internal static class Resumer
    {
        public static RecordEntry? FindResumable(RunRecord record, ImageEditRequest request, ApiConnection connection)
        {
            string endpoint = connection.EditsUri(request.Model).AbsoluteUri;
            string quickKey = RequestFingerprint.Quick(request, endpoint);
            var candidates = record.Entries.Where(e => e.QuickKey == quickKey).Reverse().ToList();
            if (candidates.Count == 0)
            {
                return null;
            }
            string key = RequestFingerprint.Full(request, endpoint, RequestFingerprint.HashFile);
            return candidates.FirstOrDefault(e => e.Key == key && FilesUnchanged(record, e));
        }

        /// <summary>What the pipeline gets for a resumed input: the recorded result, read from the record and the saved files.</summary>
        public static object Output(RecordEntry entry, RunRecord record, ImageEditRequest request, bool streams)
        {
            var usage = entry.Usage is null ? null : WireMapping.ToUsage(new UsageDto { InputTokens = entry.Usage.InputTokens, OutputTokens = entry.Usage.OutputTokens, TotalTokens = entry.Usage.TotalTokens });
            var created = WireMapping.FromUnixTime(entry.Created);
            if (streams)
            {
                var final = entry.Files.First(f => f.Kind == "edited");
                return new ImageEditCompletedEvent(null, created, entry.Size, entry.Quality, entry.Background, entry.OutputFormat, usage, request.SourcePath, entry.RequestId,
                    Saved(record, final)) { Resumed = true };
            }
            var data = entry.Files.Where(f => f.Kind == "edited").OrderBy(f => f.Index)
                .Select(f => new ImageEditData(f.Index, null, null, null, Saved(record, f))).ToList();
            return new ImageEditResult(created, entry.Background, data, entry.OutputFormat, entry.Quality, entry.Size, usage, request.SourcePath, request.Model, entry.RequestId, resumed: true);
        }

        private static SavedImage Saved(RunRecord record, RecordFile file) =>
            SavedImage.Saved(Path.Combine(record.Folder, file.Name), FromHex(file.Sha256), file.Length);

        private static bool FilesUnchanged(RunRecord record, RecordEntry entry) =>
            // Partial images are previews: a deleted preview does not make a finished edit worth paying for again.
            entry.Files.Where(f => f.Kind == "edited").All(f =>
            {
                string path = Path.Combine(record.Folder, f.Name);
                try
                {
                    return File.Exists(path) && new FileInfo(path).Length == f.Length && RequestFingerprint.HashFile(path) == f.Sha256;
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    return false;
                }
            });

        private static byte[] FromHex(string hex)
        {
            var bytes = new byte[hex.Length / 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                bytes[i] = Convert.ToByte(hex.Substring(i * 2, 2), 16);
            }
            return bytes;
        }
    }
}
