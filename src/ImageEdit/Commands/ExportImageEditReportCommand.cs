using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Runtime.InteropServices;
using ImageEdit.Models;
using ImageEdit.Output;
using ImageEdit.Pipeline;
using ImageEdit.Report;
using ImageEdit.Rules;

namespace ImageEdit.Commands
{
    /// <summary>
    /// <para type="synopsis">Writes one HTML page that shows what a run made in an output folder: sources beside results, prompts, tokens, costs and failures.</para>
    /// </summary>
    [Cmdlet(VerbsData.Export, "ImageEditReport")]
    [OutputType(typeof(FileInfo))]
    public sealed class ExportImageEditReportCommand : PSCmdlet
    {
        // Folders in the order first given, each with the request ids of piped results that were resumed.
        private readonly List<string> _folders = new List<string>();
        private readonly Dictionary<string, HashSet<string>> _resumed = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);

        /// <summary>
        /// Output folders (or their run record), results of Edit-Image, Get-ImageEditStream and Receive-ImageEditBatch
        /// (their saved files' folder), or run summaries (their RecordPath).
        /// </summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [Alias("FullName", "OutputDirectory")]
        public object[] Path { get; set; } = Array.Empty<object>();

        /// <summary>Where to write the page (by default imageedit-report.html in the folder); its images are linked relative to it.</summary>
        [Parameter]
        public string? OutFile { get; set; }

        /// <summary>Open the page in the default browser once written.</summary>
        [Parameter]
        public SwitchParameter Show { get; set; }

        protected override void ProcessRecord()
        {
            foreach (var item in Path)
            {
                object value = item is PSObject wrapped ? wrapped.BaseObject : item;
                string? folder = FolderOf(value, out string? resumedRequestId);
                if (folder is null)
                {
                    WriteError(ErrorRecordFactory.Create(new LocalCheckException("ReportInputNotUnderstood", ErrorCategory.InvalidArgument, value,
                        $"Export-ImageEditReport cannot tell which output folder '{value}' is.",
                        "Pass an output folder, or pipe the results or run summary of Edit-Image, Get-ImageEditStream or Receive-ImageEditBatch."), value));
                    continue;
                }
                if (!_resumed.TryGetValue(folder, out var resumed))
                {
                    _folders.Add(folder);
                    resumed = _resumed[folder] = new HashSet<string>(StringComparer.Ordinal);
                }
                if (resumedRequestId != null)
                {
                    resumed.Add(resumedRequestId);
                }
            }
        }

        protected override void EndProcessing()
        {
            if (OutFile != null && _folders.Count > 1)
            {
                ThrowTerminatingError(ErrorRecordFactory.Create(new LocalCheckException("ReportOutFileNeedsOneFolder", ErrorCategory.InvalidArgument, OutFile,
                    $"-OutFile names one page, and {_folders.Count} output folders were given ({string.Join(", ", _folders.Take(3))}).",
                    "Leave out -OutFile (each folder gets its own imageedit-report.html), or give one folder at a time."), OutFile));
            }
            foreach (var folder in _folders)
            {
                string? outFile = OutFile is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(OutFile);
                if (!File.Exists(System.IO.Path.Combine(folder, RunRecord.FileName)))
                {
                    WriteError(ErrorRecordFactory.Create(new LocalCheckException("ReportRecordNotFound", ErrorCategory.ObjectNotFound, folder,
                        $"{folder} has no run record ({RunRecord.FileName}), so there is nothing to report.",
                        "Pass the -OutputDirectory that Edit-Image, Get-ImageEditStream or Receive-ImageEditBatch saved into."), folder));
                    continue;
                }
                FileInfo page;
                try
                {
                    page = RunReport.Write(folder, outFile, _resumed[folder]);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    WriteError(ErrorRecordFactory.Create(new LocalCheckException("ReportNotWritten", ErrorCategory.WriteError, outFile ?? folder,
                        $"The report of {folder} could not be written ({ex.Message.TrimEnd('.')}); any page there before is unchanged.",
                        "Check that the page's folder can be written and has free space, or pass another -OutFile."), outFile ?? folder));
                    continue;
                }
                WriteObject(page);
                if (Show)
                {
                    Open(page.FullName);
                }
            }
        }

        /// <summary>The output folder an input names, and the request id of a resumed result.</summary>
        private string? FolderOf(object value, out string? resumedRequestId)
        {
            resumedRequestId = null;
            switch (value)
            {
                case ImageEditResult result:
                    resumedRequestId = result.Resumed ? result.RequestId : null;
                    string? saved = result.Data.Select(d => d.Path).FirstOrDefault(p => p != null);
                    return saved is null ? null : System.IO.Path.GetDirectoryName(saved);
                case ImageEditRunSummary summary:
                    return summary.RecordPath is null ? null : System.IO.Path.GetDirectoryName(summary.RecordPath);
                case DirectoryInfo directory:
                    return directory.FullName;
                case FileInfo file:
                    return file.Name == RunRecord.FileName ? file.DirectoryName : null;
                case string text when text.Length > 0:
                    string path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(text);
                    return System.IO.Path.GetFileName(path) == RunRecord.FileName ? System.IO.Path.GetDirectoryName(path) : (path.Length > 1 ? path.TrimEnd(System.IO.Path.DirectorySeparatorChar, System.IO.Path.AltDirectorySeparatorChar) : path);
                default:
                    return null;
            }
        }

        /// <summary>Opens the page in the default browser (start, open, xdg-open), warning when none could be started.</summary>
        private void Open(string page)
        {
            try
            {
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                {
                    Process.Start(new ProcessStartInfo(page) { UseShellExecute = true });
                }
                else
                {
                    Process.Start(new ProcessStartInfo(RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "open" : "xdg-open", page) { UseShellExecute = false })?.Dispose();
                }
            }
            catch (Exception ex) when (ex is System.ComponentModel.Win32Exception || ex is InvalidOperationException)
            {
                WriteWarning($"The report was written to {page}, but no browser could be opened ({ex.Message}). Open that file in a browser.");
            }
        }
    }
}
