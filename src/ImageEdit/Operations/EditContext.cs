using System.Threading;
using ImageEdit.Output;

namespace ImageEdit.Operations
{
    /// <summary>What the requests of one command share: where results are saved, the folder's run record, and the tally for the summary.</summary>
    internal sealed class EditContext
    {
        public EditContext(ImageFileWriter? writer, RunRecord? record, RunTally tally, string cmdlet, Pricing.PriceTable? prices = null)
        {
            Prices = prices ?? Pricing.PriceTable.BuiltIn();
            Writer = writer;
            Record = record;
            Tally = tally;
            Cmdlet = cmdlet;
        }

        public ImageFileWriter? Writer { get; }
        public RunRecord? Record { get; }
        public RunTally Tally { get; }
        public string Cmdlet { get; }
        /// <summary>The prices each result's Cost is computed with.</summary>
        public Pricing.PriceTable Prices { get; }
    }

    /// <summary>The counts and token sums of a command's run, added to from every request's task.</summary>
    internal sealed class RunTally
    {
        private int _edited;
        private int _resumed;
        private int _failed;
        private int _wouldSend;
        private int _submitted;
        private int _imagesSaved;
        private long _inputTokens;
        private long _outputTokens;
        private long _totalTokens;
        private decimal _cost;
        private int _withoutCost;
        private int _sentAgainAfterSent;
        private readonly object _costLock = new object();

        public int Edited => Volatile.Read(ref _edited);
        public int Resumed => Volatile.Read(ref _resumed);
        public int Failed => Volatile.Read(ref _failed);
        public int WouldSend => Volatile.Read(ref _wouldSend);
        /// <summary>Inputs submitted in batches (Start-ImageEditBatch).</summary>
        public int Submitted => Volatile.Read(ref _submitted);
        public int ImagesSaved => Volatile.Read(ref _imagesSaved);
        public long InputTokens => Interlocked.Read(ref _inputTokens);
        public long OutputTokens => Interlocked.Read(ref _outputTokens);
        public long TotalTokens => Interlocked.Read(ref _totalTokens);

        /// <summary>The sum of the Cost of this run's results (USD).</summary>
        public decimal Cost { get { lock (_costLock) return _cost; } }
        /// <summary>Results of this run with no Cost (a model without a price, or no usage).</summary>
        public int ResultsWithoutCost => Volatile.Read(ref _withoutCost);
        /// <summary>Requests sent again after a try had been fully sent and its answer lost: the API may have billed both.</summary>
        public int SentAgainAfterSent => Volatile.Read(ref _sentAgainAfterSent);

        public void AddEdited(int imagesSaved, Responses.UsageDto? usage, decimal? cost)
        {
            lock (_costLock)
            {
                if (cost is decimal known) _cost += known; else _withoutCost++;
            }
            Interlocked.Increment(ref _edited);
            Interlocked.Add(ref _imagesSaved, imagesSaved);
            if (usage != null)
            {
                Interlocked.Add(ref _inputTokens, usage.InputTokens);
                Interlocked.Add(ref _outputTokens, usage.OutputTokens);
                Interlocked.Add(ref _totalTokens, usage.TotalTokens);
            }
        }

        public void AddSentAgainAfterSent(int requests) => Interlocked.Add(ref _sentAgainAfterSent, requests);
        /// <summary>Puts the cost and the repeats in the summary made of this tally.</summary>
        public Models.ImageEditRunSummary Describe(Models.ImageEditRunSummary summary)
        {
            summary.Cost = Cost;
            summary.ResultsWithoutCost = ResultsWithoutCost;
            summary.SentAgainAfterSent = SentAgainAfterSent;
            return summary;
        }

        public void AddResumed() => Interlocked.Increment(ref _resumed);
        public void AddFailed() => Interlocked.Increment(ref _failed);
        public void AddWouldSend() => Interlocked.Increment(ref _wouldSend);
        public void AddSubmitted(int inputs) => Interlocked.Add(ref _submitted, inputs);
    }
}
