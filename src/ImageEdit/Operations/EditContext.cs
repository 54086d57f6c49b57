using System.Threading;
using ImageEdit.Output;

namespace ImageEdit.Operations
{
    /// <summary>What the requests of one command share: where results are saved, the folder's run record, and the tally for the summary.</summary>
    internal sealed class EditContext
    {
        public EditContext(ImageFileWriter? writer, RunRecord? record, RunTally tally, string cmdlet)
        {
            Writer = writer;
            Record = record;
            Tally = tally;
            Cmdlet = cmdlet;
        }

        public ImageFileWriter? Writer { get; }
        public RunRecord? Record { get; }
        public RunTally Tally { get; }
        public string Cmdlet { get; }
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

        public void AddEdited(int imagesSaved, Responses.UsageDto? usage)
        {
            Interlocked.Increment(ref _edited);
            Interlocked.Add(ref _imagesSaved, imagesSaved);
            if (usage != null)
            {
                Interlocked.Add(ref _inputTokens, usage.InputTokens);
                Interlocked.Add(ref _outputTokens, usage.OutputTokens);
                Interlocked.Add(ref _totalTokens, usage.TotalTokens);
            }
        }

        public void AddResumed() => Interlocked.Increment(ref _resumed);
        public void AddFailed() => Interlocked.Increment(ref _failed);
        public void AddWouldSend() => Interlocked.Increment(ref _wouldSend);
        public void AddSubmitted(int inputs) => Interlocked.Add(ref _submitted, inputs);
    }
}
