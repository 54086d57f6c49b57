using System;
using System.Collections.Generic;
using System.IO;
using ImageEdit.Output;

namespace ImageEdit.Operations
{
    /// <summary>
    /// The run record as a batch plan writes it, and whether the folder still takes the plan's files. The first line or
    /// part file that cannot be written (a full disk, a folder made read-only) stops the plan: from then on nothing more is
    /// uploaded or planned, and none of the plan is submitted, since a part with a line cut short would make a batch the
    /// API refuses, and one whose pending line is missing could not be found again after kill -9.
    /// </summary>
    internal sealed class BatchPlanRecord
    {
        private readonly object _gate = new object();

        public BatchPlanRecord(RunRecord record)
        {
            Record = record;
        }

        public RunRecord Record { get; }

        /// <summary>Why the folder can take no more of this plan, or null.</summary>
        public OutputWriteException? WriteFailure { get; private set; }

        /// <summary>Throws the plan's write failure again, once there is one: nothing more is done for the plan.</summary>
        public void ThrowIfStopped()
        {
            if (WriteFailure is { } failure)
            {
                throw new OutputWriteException(failure.Message, failure.InnerException!) { Advice = failure.Advice };
            }
        }

        /// <summary>Notes that the folder stopped taking the plan's files (the first cause is kept) and returns the error that says so.</summary>
        public OutputWriteException Stopped(Exception ex)
        {
            lock (_gate)
            {
                WriteFailure ??= new OutputWriteException(
                    $"{Record.Folder} stopped taking this batch's files ({ex.Message.TrimEnd('.')}); nothing more was uploaded or planned, and no batch was created " +
                    "for the inputs planned so far.", ex)
                {
                    Advice = $"Free space in {Record.Folder} (or make it writable again), then run the same command again with -Resume: the images already " +
                        "uploaded are reused, and every input is planned again.",
                };
                return WriteFailure;
            }
        }

        /// <summary>Appends a line the plan depends on (a pending upload or batch): one that cannot be written stops the plan.</summary>
        public void Append(object line) => AppendAll(new[] { line });

        /// <summary>Appends lines the plan depends on, all under one lock: lines that cannot be written stop the plan.</summary>
        public void AppendAll(IEnumerable<object> lines)
        {
            try
            {
                Record.AppendObjects(lines);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw Stopped(ex);
            }
        }
    }
}
