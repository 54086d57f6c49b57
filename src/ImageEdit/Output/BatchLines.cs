using System;
using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace ImageEdit.Output
{
    // The run record's lines about Batch API jobs, beside the lines of completed edits: which image was uploaded as which
    // file, which custom_id is which input (and which names its results will get), and which batch carries which lines.
    // Another session on another day collects a batch from these alone.

    /// <summary>A local image uploaded for batches: found again by its bytes, so it is never uploaded twice into one folder's batches.</summary>
    internal sealed class UploadLine
    {
        [JsonPropertyName("type")] public string Type { get; set; } = "upload";
        [JsonPropertyName("time")] public DateTimeOffset Time { get; set; }
        [JsonPropertyName("sha256")] public string Sha256 { get; set; } = "";
        [JsonPropertyName("length")] public long Length { get; set; }
        [JsonPropertyName("fileId")] public string FileId { get; set; } = "";
        [JsonPropertyName("path")] public string? Path { get; set; }
        /// <summary>The pending line this upload settles, when one was written before it.</summary>
        [JsonPropertyName("pending")] public string? Pending { get; set; }
    }

    /// <summary>One request of a batch: its custom_id, its input, what its results are named after, and its fingerprint.</summary>
    internal sealed class BatchRequestLine
    {
        [JsonPropertyName("type")] public string Type { get; set; } = "batchRequest";
        [JsonPropertyName("plan")] public string Plan { get; set; } = "";
        [JsonPropertyName("customId")] public string CustomId { get; set; } = "";
        [JsonPropertyName("source")] public string Source { get; set; } = "";
        [JsonPropertyName("stem")] public string Stem { get; set; } = "";
        [JsonPropertyName("count")] public int Count { get; set; } = 1;
        [JsonPropertyName("key")] public string Key { get; set; } = "";
        [JsonPropertyName("quickKey")] public string QuickKey { get; set; } = "";
        [JsonPropertyName("endpoint")] public string Endpoint { get; set; } = "";
        [JsonPropertyName("model")] public string? Model { get; set; }
        [JsonPropertyName("prompt")] public string Prompt { get; set; } = "";
        [JsonPropertyName("fields")] public Dictionary<string, object>? Fields { get; set; }
        [JsonPropertyName("sources")] public List<RecordSource> Sources { get; set; } = new List<RecordSource>();

        /// <summary>The line of a request planned into a batch as <paramref name="customId"/>.</summary>
        public static BatchRequestLine Of(string plan, string customId, string source, string stem, int count, RecordedRequest asked) => new BatchRequestLine
        {
            Plan = plan,
            CustomId = customId,
            Source = source,
            Stem = stem,
            Count = count,
            Key = asked.Key,
            QuickKey = asked.QuickKey,
            Endpoint = asked.Endpoint,
            Model = asked.Model,
            Prompt = asked.Prompt,
            Fields = asked.Fields,
            Sources = asked.Sources,
        };

        /// <summary>What the request asked, as its result's line in the record says it again.</summary>
        public RecordedRequest Asked() => new RecordedRequest
        {
            Key = Key,
            QuickKey = QuickKey,
            Endpoint = Endpoint,
            Model = Model,
            Prompt = Prompt,
            Fields = Fields,
            Sources = Sources,
        };
    }

    /// <summary>A batch as submitted: its ID, the plan and part whose lines it carries, and how many.</summary>
    internal sealed class BatchLine
    {
        [JsonPropertyName("type")] public string Type { get; set; } = "batch";
        [JsonPropertyName("time")] public DateTimeOffset Time { get; set; }
        [JsonPropertyName("id")] public string Id { get; set; } = "";
        [JsonPropertyName("plan")] public string Plan { get; set; } = "";
        [JsonPropertyName("part")] public int Part { get; set; }
        [JsonPropertyName("firstLine")] public int FirstLine { get; set; }
        [JsonPropertyName("requests")] public int Requests { get; set; }
        [JsonPropertyName("inputFileId")] public string InputFileId { get; set; } = "";
        /// <summary>The pending line this batch settles.</summary>
        [JsonPropertyName("pending")] public string? Pending { get; set; }

        /// <summary>Whether this batch carries a request line: the same plan, and the line's number (the end of its custom_id) in this batch's range.</summary>
        public bool Carries(BatchRequestLine line)
        {
            if (line.Plan != Plan
                || !int.TryParse(line.CustomId.Substring(line.CustomId.LastIndexOf('-') + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index))
            {
                return false;
            }
            return index >= FirstLine && index < FirstLine + Requests;
        }
    }

    // Calls that are not idempotent (an upload, creating a batch) are announced in the record before they are sent, so
    // that a run killed while one was in flight leaves word of it: the next run into the folder looks for what the call
    // made (a file by name and length, a batch by its plan and part) and adopts it, instead of making it twice. A pending
    // line is settled by the upload or batch line that names it, or by a settled line when nothing was made.

    /// <summary>An image about to be uploaded for a batch.</summary>
    internal sealed class PendingUploadLine
    {
        [JsonPropertyName("type")] public string Type { get; set; } = "pendingUpload";
        [JsonPropertyName("id")] public string Id { get; set; } = "";
        [JsonPropertyName("time")] public DateTimeOffset Time { get; set; }
        [JsonPropertyName("sha256")] public string Sha256 { get; set; } = "";
        [JsonPropertyName("length")] public long Length { get; set; }
        [JsonPropertyName("name")] public string Name { get; set; } = "";
        [JsonPropertyName("path")] public string? Path { get; set; }
        [JsonPropertyName("purpose")] public string Purpose { get; set; } = "vision";
    }

    /// <summary>A part of a plan about to be uploaded (as <see cref="PartName"/>) and made a batch.</summary>
    internal sealed class PendingBatchLine
    {
        [JsonPropertyName("type")] public string Type { get; set; } = "pendingBatch";
        [JsonPropertyName("id")] public string Id { get; set; } = "";
        [JsonPropertyName("time")] public DateTimeOffset Time { get; set; }
        [JsonPropertyName("plan")] public string Plan { get; set; } = "";
        [JsonPropertyName("part")] public int Part { get; set; }
        [JsonPropertyName("firstLine")] public int FirstLine { get; set; }
        [JsonPropertyName("requests")] public int Requests { get; set; }
        [JsonPropertyName("partName")] public string PartName { get; set; } = "";
        [JsonPropertyName("partLength")] public long PartLength { get; set; }
    }

    /// <summary>A pending line a later run looked into and found nothing made for.</summary>
    internal sealed class SettledLine
    {
        [JsonPropertyName("type")] public string Type { get; set; } = "settled";
        [JsonPropertyName("id")] public string Id { get; set; } = "";
        [JsonPropertyName("time")] public DateTimeOffset Time { get; set; }
        [JsonPropertyName("outcome")] public string Outcome { get; set; } = "";
    }
}
