using System;
using System.Globalization;

namespace ImageEdit.Models
{
    /// <summary>
    /// What a command did, written to the Information stream at its end (tags ImageEdit and RunSummary): catch it with
    /// -InformationVariable, or see it with -InformationAction Continue.
    /// </summary>
    public sealed class ImageEditRunSummary
    {
        internal ImageEditRunSummary(int edited, int resumed, int failed, int imagesSaved, long inputTokens, long outputTokens, long totalTokens, TimeSpan duration, string? recordPath,
            int imagesNotSaved = 0, int submitted = 0)
        {
            Submitted = submitted;
            ImagesNotSaved = imagesNotSaved;
            Edited = edited;
            Resumed = resumed;
            Failed = failed;
            ImagesSaved = imagesSaved;
            InputTokens = inputTokens;
            OutputTokens = outputTokens;
            TotalTokens = totalTokens;
            Duration = duration;
            RecordPath = recordPath;
        }

        /// <summary>Inputs the API edited in this run.</summary>
        public int Edited { get; }
        /// <summary>Inputs Start-ImageEditBatch submitted in the batches it created (their results come with Receive-ImageEditBatch).</summary>
        public int Submitted { get; }
        /// <summary>Inputs -Resume did not send: their result is in the run record (or, for Start-ImageEditBatch, an earlier batch holds them).</summary>
        public int Resumed { get; }
        /// <summary>Inputs that failed (refused locally or by the API, or lost on the way).</summary>
        public int Failed { get; }
        /// <summary>Images saved in -OutputDirectory by this run.</summary>
        public int ImagesSaved { get; }
        /// <summary>Images the API returned that could not be saved in -OutputDirectory: each is in its result's B64Json, beside an OutputWriteFailed error.</summary>
        public int ImagesNotSaved { get; }
        /// <summary>Input tokens, summed from the answers of this run.</summary>
        public long InputTokens { get; }
        /// <summary>Output tokens, summed from the answers of this run.</summary>
        public long OutputTokens { get; }
        /// <summary>All tokens, summed from the answers of this run.</summary>
        public long TotalTokens { get; }
        public TimeSpan Duration { get; }
        /// <summary>The run record written to, when saving.</summary>
        public string? RecordPath { get; }
        /// <summary>The sum of the Cost of this run's results, in USD (resumed results cost nothing this run).</summary>
        public decimal Cost { get; internal set; }
        /// <summary>This run's results that have no Cost (a model without a known price, or no usage): Cost leaves them out.</summary>
        public int ResultsWithoutCost { get; internal set; }
        /// <summary>
        /// Requests sent again after a try had been fully sent and its answer lost (a timeout or reset while waiting): the
        /// API may have billed both tries, and Cost counts only the answer received.
        /// </summary>
        public int SentAgainAfterSent { get; internal set; }

        /// <summary>One line; a command that submitted batches (Start-ImageEditBatch) leads with what it submitted, since it edits nothing itself.</summary>
        public override string ToString() => string.Format(CultureInfo.InvariantCulture,
            "{9}Edited {0}, resumed {1}, failed {2}; {3} image(s) saved{8}; {4:N0} input and {5:N0} output tokens ({6:N0} in all); {10}{11} in {7:0.0} s.",
            Edited, Resumed, Failed, ImagesSaved, InputTokens, OutputTokens, TotalTokens, Duration.TotalSeconds,
            ImagesNotSaved > 0 ? $", {ImagesNotSaved} NOT saved (kept in their results: see the OutputWriteFailed errors)" : "",
            Submitted > 0 ? $"Submitted {Submitted} input(s) in batches. " : "",
            CostText(),
            SentAgainAfterSent > 0 ? $"; {SentAgainAfterSent} request(s) sent again after their answer was lost (may be billed twice)" : "");

        /// <summary>The cost part of the line: "$0.0000" only when it is known to be nothing, never for results whose price is unknown.</summary>
        private string CostText() => Cost == 0 && ResultsWithoutCost > 0
            ? $"cost unknown ({ResultsWithoutCost} result(s) without a known price)"
            : "cost $" + Cost.ToString("0.0000", CultureInfo.InvariantCulture) + (ResultsWithoutCost > 0 ? $" ({ResultsWithoutCost} result(s) without a known price, not counted)" : "");
    }
}
