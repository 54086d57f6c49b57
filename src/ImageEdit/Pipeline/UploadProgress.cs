using System;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;

namespace ImageEdit.Pipeline
{
    /// <summary>
    /// Write-Progress for uploads of more than a few megabytes, as a child of the batch's bar: bytes sent of the total,
    /// at most five times a second, and a Completed record at the end. Smaller uploads finish too quickly to be worth a bar.
    /// </summary>
    internal sealed class UploadProgress : Http.IUploadProgress
    {
        public const long MinimumBytes = 4L * 1024 * 1024;
        private readonly Action<ProgressRecord> _write;
        private readonly int _parentActivityId;

        public UploadProgress(Action<ProgressRecord> write, int parentActivityId)
        {
            _write = write;
            _parentActivityId = parentActivityId;
        }

        public Http.IUploadReport? Begin(string subject, long totalBytes) =>
            totalBytes >= MinimumBytes ? new Report(_write, subject, totalBytes, _parentActivityId) : null;

        private sealed class Report : Http.IUploadReport
        {
            private readonly Action<ProgressRecord> _write;
            private readonly ProgressRecord _record;
            private readonly long _total;
            private readonly Stopwatch _sinceLastWrite = Stopwatch.StartNew();
            private bool _started;
            private bool _completed;

            public Report(Action<ProgressRecord> write, string subject, long total, int parentActivityId)
            {
                _write = write;
                _total = total;
                _record = new ProgressRecord(ActivityIds.Next(), $"Uploading {subject}", "Starting") { ParentActivityId = parentActivityId };
            }

            void Http.IUploadReport.Report(long sent)
            {
                if (_completed || (_started && sent < _total && _sinceLastWrite.ElapsedMilliseconds < 200))
                {
                    return;
                }
                if (sent >= _total)
                {
                    // Every byte is sent: the bar ends now rather than stand at 100% while the API works on the edit.
                    Complete();
                    return;
                }
                _started = true;
                _sinceLastWrite.Restart();
                _record.StatusDescription = $"{Megabytes(sent)} of {Megabytes(_total)} sent";
                _record.PercentComplete = (int)Math.Min(100, sent * 100 / Math.Max(1, _total));
                _write(_record);
            }

            public void Complete()
            {
                if (_completed)
                {
                    return;
                }
                _completed = true;
                _record.StatusDescription = $"{Megabytes(_total)} sent";
                _record.PercentComplete = 100;
                _record.RecordType = ProgressRecordType.Completed;
                _write(_record);
            }

            private static string Megabytes(long bytes) => (bytes / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " MB";
        }
    }
}
