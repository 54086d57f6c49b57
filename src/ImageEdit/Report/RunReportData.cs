using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using ImageEdit.Output;

namespace ImageEdit.Report
{
    /// <summary>An image the report shows: what it is (source, reference, mask, result) and its full path (null for a URL or file ID).</summary>
    internal sealed class ReportImage
    {
        public ReportImage(string role, string? path, string label)
        {
            Role = role;
            Path = path;
            Label = label;
        }

        public string Role { get; }
        public string? Path { get; }
        public string Label { get; }
    }

    /// <summary>One completed request as the run record tells it.</summary>
    internal sealed class ReportRequest
    {
        public DateTimeOffset Time { get; set; }
        public string? RequestId { get; set; }
        public string Cmdlet { get; set; } = "";
        public string? Model { get; set; }
        public string Prompt { get; set; } = "";
        public List<KeyValuePair<string, string>> Fields { get; } = new List<KeyValuePair<string, string>>();
        public List<ReportImage> Sources { get; } = new List<ReportImage>();
        public List<ReportImage> Results { get; } = new List<ReportImage>();
        public long? TotalTokens { get; set; }
        public long? InputTokens { get; set; }
        public long? OutputTokens { get; set; }
        public decimal? Cost { get; set; }
        public int? Attempts { get; set; }
        public string? BatchId { get; set; }
        public bool Resumed { get; set; }
        /// <summary>The first image sent (the input), by path: how a failure of the same input is matched.</summary>
        public string? SourcePath => Sources.FirstOrDefault(s => s.Role == "image")?.Path;
    }

    /// <summary>One input that failed, from its failure line.</summary>
    internal sealed class ReportFailure
    {
        public DateTimeOffset Time { get; set; }
        public string Cmdlet { get; set; } = "";
        public string Source { get; set; } = "";
        public string ErrorId { get; set; } = "";
        public string Message { get; set; } = "";
        public string? Model { get; set; }
        public string? Prompt { get; set; }
        public string? RequestId { get; set; }
        public string? BatchId { get; set; }
    }

    /// <summary>
    /// What an output folder's run record says, read for the report: every completed request (its edit line) and every
    /// input whose latest outcome is a failure (a failure line with no later result for the same input). Lines are read
    /// loosely (by JSON property, so a newer record's extra properties such as cost and attempts are taken when present);
    /// a line that cannot be read is skipped, as everywhere else.
    /// </summary>
    internal sealed class RunReportData
    {
        public RunReportData(string folder)
        {
            Folder = folder;
        }

        public string Folder { get; }
        public List<ReportRequest> Requests { get; } = new List<ReportRequest>();
        public List<ReportFailure> Failures { get; } = new List<ReportFailure>();

        public int Edited => Requests.Count(r => !r.Resumed);
        public int ResumedCount => Requests.Count(r => r.Resumed);
        public long TotalTokens => Requests.Sum(r => r.TotalTokens ?? 0);
        public decimal? TotalCost => Requests.Any(r => r.Cost.HasValue) ? Requests.Sum(r => r.Cost ?? 0m) : (decimal?)null;
        public int WithoutCost => Requests.Count(r => !r.Cost.HasValue);

        /// <summary>Reads the record of <paramref name="folder"/>; <paramref name="resumedRequestIds"/> marks results a run took from the record instead of sending them.</summary>
        public static RunReportData Read(string folder, ISet<string>? resumedRequestIds = null)
        {
            var data = new RunReportData(folder);
            string path = System.IO.Path.Combine(folder, RunRecord.FileName);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"{folder} has no run record ({RunRecord.FileName}): it is not an output folder of ImageEdit, or nothing was saved in it yet.", path);
            }
            var failures = new List<ReportFailure>();
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            using (var reader = new StreamReader(stream, Encoding.UTF8))
            {
                string? line;
                while ((line = reader.ReadLine()) != null)
                {
                    if (line.Length == 0)
                    {
                        continue;
                    }
                    try
                    {
                        using var document = JsonDocument.Parse(line);
                        var root = document.RootElement;
                        if (root.ValueKind != JsonValueKind.Object)
                        {
                            continue;
                        }
                        string? type = Text(root, "type");
                        if (type is null && RequestFrom(root, folder) is { } request)
                        {
                            request.Resumed = request.RequestId != null && resumedRequestIds?.Contains(request.RequestId) == true;
                            data.Requests.Add(request);
                        }
                        else if (type == "failure")
                        {
                            failures.Add(FailureFrom(root));
                        }
                    }
                    catch (Exception ex) when (ex is JsonException || ex is InvalidOperationException || ex is FormatException || ex is ArgumentException || ex is NotSupportedException)
                    {
                        // A line cut short by a crash, or edited by hand into nonsense: skipped.
                    }
                }
            }
            // An input's outcome is its latest: a failure that a later run turned into a result is not shown as failed, and
            // an input that failed several times (receiving a batch twice) is shown once.
            var lastResult = data.Requests.Where(r => r.SourcePath != null).GroupBy(r => r.SourcePath!, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Max(r => r.Time), StringComparer.Ordinal);
            data.Failures.AddRange(failures
                .Where(f => !(lastResult.TryGetValue(f.Source, out var done) && done >= f.Time))
                .GroupBy(f => f.Source + "\n" + f.BatchId + "\n" + f.ErrorId, StringComparer.Ordinal).Select(g => g.OrderBy(f => f.Time).Last()));
            data.Requests.Sort((a, b) => a.Time.CompareTo(b.Time));
            data.Failures.Sort((a, b) => a.Time.CompareTo(b.Time));
            return data;
        }

        private static ReportRequest? RequestFrom(JsonElement root, string folder)
        {
            if (!root.TryGetProperty("files", out var files) || files.ValueKind != JsonValueKind.Array || files.GetArrayLength() == 0)
            {
                return null;
            }
            var request = new ReportRequest
            {
                Time = Time(root),
                RequestId = Text(root, "requestId"),
                Cmdlet = Text(root, "cmdlet") ?? "",
                Model = Text(root, "model"),
                Prompt = Text(root, "prompt") ?? "",
                BatchId = Text(root, "batchId"),
                Cost = root.TryGetProperty("cost", out var cost) && cost.ValueKind == JsonValueKind.Number ? cost.GetDecimal() : (decimal?)null,
                Attempts = root.TryGetProperty("attempts", out var attempts) && attempts.ValueKind == JsonValueKind.Number && attempts.TryGetInt32(out int a) ? a : (int?)null,
            };
            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                request.InputTokens = Number(usage, "inputTokens");
                request.OutputTokens = Number(usage, "outputTokens");
                request.TotalTokens = Number(usage, "totalTokens");
            }
            if (root.TryGetProperty("fields", out var fields) && fields.ValueKind == JsonValueKind.Object)
            {
                foreach (var field in fields.EnumerateObject())
                {
                    request.Fields.Add(new KeyValuePair<string, string>(field.Name,
                        field.Value.ValueKind == JsonValueKind.String ? field.Value.GetString() ?? "" : field.Value.GetRawText()));
                }
            }
            if (root.TryGetProperty("sources", out var sources) && sources.ValueKind == JsonValueKind.Array)
            {
                foreach (var source in sources.EnumerateArray())
                {
                    string role = Text(source, "role") ?? "image";
                    string? path = Text(source, "path");
                    string label = path ?? Text(source, "fileId") ?? Text(source, "url") ?? "";
                    request.Sources.Add(new ReportImage(role, path is null ? null : System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, path)), label));
                }
            }
            foreach (var file in files.EnumerateArray())
            {
                string? name = Text(file, "name");
                // Only a plain name inside the folder is a result's file (as -Resume requires): a hand-edited "../x" is not linked.
                if (name is null || name.Length == 0 || name != System.IO.Path.GetFileName(name) || name == "." || name == "..")
                {
                    continue;
                }
                string kind = Text(file, "kind") ?? "edited";
                request.Results.Add(new ReportImage(kind, System.IO.Path.Combine(folder, name), name));
            }
            return request.Results.Count == 0 ? null : request;
        }

        private static ReportFailure FailureFrom(JsonElement root) => new ReportFailure
        {
            Time = Time(root),
            Cmdlet = Text(root, "cmdlet") ?? "",
            Source = Text(root, "source") ?? "",
            ErrorId = Text(root, "errorId") ?? "",
            Message = Text(root, "message") ?? "",
            Model = Text(root, "model"),
            Prompt = Text(root, "prompt"),
            RequestId = Text(root, "requestId"),
            BatchId = Text(root, "batchId"),
        };

        private static string? Text(JsonElement element, string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        private static long? Number(JsonElement element, string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long n) ? n : (long?)null;

        private static DateTimeOffset Time(JsonElement root) =>
            root.TryGetProperty("time", out var time) && time.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParse(time.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t) ? t : DateTimeOffset.MinValue;
    }
}
