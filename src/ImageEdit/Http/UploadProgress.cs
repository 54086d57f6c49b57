using System;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using System.Threading;
using ImageEdit.Models;

using ImageEdit.Images;

namespace ImageEdit.Http
{
    /// <summary>
    /// Write-Progress for an upload of more than a few megabytes: bytes sent of the total, at most five times a second,
    /// and a Completed record at the end. Smaller uploads finish too quickly to be worth a progress bar.
    /// </summary>
    internal sealed class UploadProgress
    {
        public const long MinimumBytes = 4L * 1024 * 1024;
        private readonly Action<ProgressRecord> _write;
        private readonly ProgressRecord _record;
        private readonly long _total;
        private readonly Stopwatch _sinceLastWrite = Stopwatch.StartNew();
        private bool _started;

        private UploadProgress(Action<ProgressRecord> write, string name, long total, int parentActivityId)
        {
            _write = write;
            _total = total;
            _record = new ProgressRecord(Pipeline.ActivityIds.Next(), $"Uploading {name}", "Starting") { ParentActivityId = parentActivityId };
        }

        /// <summary>A reporter for this request's upload, or null when the upload is too small to show.</summary>
        public static UploadProgress? For(ImageEditRequest request, Action<ProgressRecord>? write, int parentActivityId = -1)
        {
            if (write is null)
            {
                return null;
            }
            long total = 0;
            foreach (var image in request.Images)
            {
                total += FileTarget.Length(image);
            }
            if (request.Mask != null)
            {
                total += FileTarget.Length(request.Mask);
            }
            string name = Path.GetFileName(request.SourcePath) + (request.Images.Count > 1 ? $" and {request.Images.Count - 1} more" : "");
            return total >= MinimumBytes ? new UploadProgress(write, name, total, parentActivityId) : null;
        }

        public void Report(long sent)
        {
            if (_started && sent < _total && _sinceLastWrite.ElapsedMilliseconds < 200)
            {
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
            _record.RecordType = ProgressRecordType.Completed;
            _write(_record);
        }

        private static string Megabytes(long bytes) => (bytes / 1024.0 / 1024.0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " MB";
    }
}
