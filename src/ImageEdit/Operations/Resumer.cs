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

        /// <summary>
        /// The endpoint of a record line for this same input (path, length and write time, prompt and fields) sent to
        /// another endpoint (another base URL, host name, port or deployment), or null. -Resume does not take such a
        /// result, since another endpoint is another service; this lets the command say why the input is sent again.
        /// </summary>
        public static string? RecordedForAnotherEndpoint(RunRecord record, ImageEditRequest request, ApiConnection connection)
        {
            string endpoint = connection.EditsUri(request.Model).AbsoluteUri;
            foreach (var other in record.Entries.Select(e => e.Endpoint).Where(e => e.Length > 0 && e != endpoint).Distinct())
            {
                string quickKey = RequestFingerprint.Quick(request, other);
                if (record.Entries.Any(e => e.Endpoint == other && e.QuickKey == quickKey))
                {
                    return other;
                }
            }
            return null;
        }

        /// <summary>What the pipeline gets for a resumed input: the recorded result, read from the record and the saved files.</summary>
        public static object Output(RecordEntry entry, RunRecord record, ImageEditRequest request, bool streams)
        {
            if (streams)
            {
                var final = entry.Files.First(f => f.Kind == "edited");
                return new ImageEditCompletedEvent(null, RecordedResults.CreatedOf(entry), entry.Size, entry.Quality, entry.Background, entry.OutputFormat,
                    WireMapping.ToUsage(entry.Usage?.ToDto()), request.SourcePath, entry.RequestId, final.ToSaved(record.Folder))
                    { Resumed = true, Cost = entry.Cost, Attempts = entry.Attempts ?? 0 };
            }
            return RecordedResults.Result(entry, record.Folder, request.SourcePath, request.Model, resumed: true);
        }

        /// <summary>Partial images are previews: a deleted preview does not make a finished edit worth paying for again.</summary>
        private static bool FilesUnchanged(RunRecord record, RecordEntry entry) => entry.Files.Where(f => f.Kind == "edited").All(f => f.IsUnchanged(record.Folder));
    }
}
