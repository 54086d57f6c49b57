using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using ImageEdit.Output;
using ImageEdit.Rules;

namespace ImageEdit.Pipeline
{
    /// <summary>
    /// The folders one command saves into, for the whole command: -OutputDirectory resolved to a folder on disk, each
    /// folder checked once, one image writer and one run record per folder (so that -Force never lets the command's own
    /// results replace each other), and the failure lines of inputs refused before their folder existed. Every cmdlet
    /// that writes files (Edit-Image, Get-ImageEditStream, Start- and Receive-ImageEditBatch) keeps one.
    /// </summary>
    internal sealed class OutputFolders
    {
        private readonly PSCmdlet _cmdlet;
        private readonly bool _force;
        private readonly bool _adoptIdentical;
        private readonly Dictionary<string, LocalCheckException?> _inspected = new Dictionary<string, LocalCheckException?>(StringComparer.Ordinal);
        private readonly Dictionary<string, LocalCheckException?> _prepared = new Dictionary<string, LocalCheckException?>(StringComparer.Ordinal);
        private readonly Dictionary<string, ImageFileWriter> _writers = new Dictionary<string, ImageFileWriter>(StringComparer.Ordinal);
        private readonly Dictionary<string, RunRecord> _records = new Dictionary<string, RunRecord>(StringComparer.Ordinal);
        private readonly List<(string Folder, FailureLine Line)> _failuresBeforeFolder = new List<(string, FailureLine)>();

        /// <param name="cmdlet">Whose current location a relative -OutputDirectory is relative to.</param>
        /// <param name="force">-Force: replace a file of the same name instead of choosing a free name.</param>
        /// <param name="adoptIdentical">Take a file already in the folder that holds exactly an image's bytes as that image's (Receive-ImageEditBatch).</param>
        public OutputFolders(PSCmdlet cmdlet, bool force = false, bool adoptIdentical = false)
        {
            _cmdlet = cmdlet;
            _force = force;
            _adoptIdentical = adoptIdentical;
        }

        /// <summary>The run record of the first folder used, for the run summary.</summary>
        public string? FirstRecordPath
        {
            get { lock (_records) return _records.Values.Select(r => r.Path).FirstOrDefault(); }
        }

        /// <summary>Images this command could not save, over all its folders.</summary>
        public int FailedSaves
        {
            get { lock (_writers) return _writers.Values.Sum(w => w.FailedSaves); }
        }

        /// <summary>
        /// An -OutputDirectory as a full file-system path, relative to the current location; null for null. Another
        /// provider's path is refused (NotSupportedException), and so is a path PowerShell cannot resolve.
        /// </summary>
        public string? PathOf(string? outputDirectory)
        {
            if (outputDirectory is null)
            {
                return null;
            }
            string folder = _cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(outputDirectory, out var provider, out _);
            if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
            {
                throw new NotSupportedException($"it is on the {provider.Name} provider, not a folder on disk");
            }
            return folder;
        }

        /// <summary>The folder of an -OutputDirectory, or null when there is none or it cannot be resolved (its problem is reported elsewhere).</summary>
        public string? TryPathOf(string? outputDirectory)
        {
            try
            {
                return PathOf(outputDirectory);
            }
            catch (Exception ex) when (IsPathProblem(ex))
            {
                return null;
            }
        }

        /// <summary>
        /// Why an -OutputDirectory cannot take the results (checked once per folder and command), or null when it can.
        /// With <paramref name="prepare"/> the folder is created and proven writable; without, only looked at.
        /// </summary>
        public LocalCheckException? Problem(string? outputDirectory, bool prepare)
        {
            string? folder;
            try
            {
                folder = PathOf(outputDirectory);
            }
            catch (Exception ex) when (IsPathProblem(ex))
            {
                return OutputFolder.Unusable(outputDirectory!, ex.Message);
            }
            if (folder is null)
            {
                return null;
            }
            var checks = prepare ? _prepared : _inspected;
            if (!checks.TryGetValue(folder, out var problem))
            {
                problem = prepare ? OutputFolder.Prepare(folder) : OutputFolder.Inspect(folder);
                // The run record must take this run's lines too, or -Resume would pay for every result again.
                if (problem is null && RecordFor(folder).Problem() is { } recordProblem)
                {
                    problem = OutputFolder.Unusable(folder, recordProblem);
                }
                checks[folder] = problem;
            }
            return problem;
        }

        /// <summary>
        /// Why nothing more is sent for this folder: an earlier file of this command could not be written there. A
        /// recheck would not do: a full disk still takes the empty probe file, and the run would go on paying for images
        /// it could only hold in memory.
        /// </summary>
        public LocalCheckException? StoppedProblem(string? outputDirectory)
        {
            string? folder = TryPathOf(outputDirectory);
            ImageFileWriter? writer = null;
            if (folder != null)
            {
                lock (_writers) _writers.TryGetValue(folder, out writer);
            }
            return writer?.StoppedTakingFiles is { } why
                ? OutputFolder.StoppedTakingFiles(folder, why, "nothing was sent for this input: its images could not have been saved either.",
                    "Free space in the folder (or make it writable again), then run the same command again with -Resume: only the inputs without a saved result are sent.")
                : null;
        }

        /// <summary>One run record per folder for the whole command (also asked for from the scheduler's tasks).</summary>
        public RunRecord RecordFor(string folder)
        {
            lock (_records)
            {
                if (!_records.TryGetValue(folder, out var record))
                {
                    record = _records[folder] = new RunRecord(folder);
                }
                return record;
            }
        }

        /// <summary>One writer per folder for the whole command (also asked for from the scheduler's tasks).</summary>
        public ImageFileWriter WriterFor(string folder)
        {
            lock (_writers)
            {
                if (!_writers.TryGetValue(folder, out var writer))
                {
                    writer = _writers[folder] = new ImageFileWriter(folder, _force, _adoptIdentical);
                    SavingWarmUp.StartOnce(writer);
                }
                return writer;
            }
        }

        /// <summary>
        /// The failure line of an input that failed before it was sent, in its folder's run record when the folder is there
        /// to take it; else kept until <see cref="WriteWaitingFailures"/> (the folder is made for the first input sent, and
        /// never for a failure alone).
        /// </summary>
        public void RecordFailure(string? outputDirectory, FailureLine line)
        {
            string? folder = TryPathOf(outputDirectory);
            if (folder is null)
            {
                return;
            }
            if (System.IO.Directory.Exists(folder))
            {
                line.TryAppendTo(RecordFor(folder));
            }
            else
            {
                _failuresBeforeFolder.Add((folder, line));
            }
        }

        /// <summary>Writes the failure lines of inputs refused before their folder existed, into the folders that exist now.</summary>
        public void WriteWaitingFailures()
        {
            foreach (var (folder, line) in _failuresBeforeFolder)
            {
                if (System.IO.Directory.Exists(folder))
                {
                    line.TryAppendTo(RecordFor(folder));
                }
            }
            _failuresBeforeFolder.Clear();
        }

        /// <summary>The exceptions PowerShell throws for a path it cannot resolve, and <see cref="PathOf"/> for another provider's.</summary>
        public static bool IsPathProblem(Exception ex) =>
            ex is ItemNotFoundException || ex is DriveNotFoundException || ex is ProviderNotFoundException
            || ex is NotSupportedException || ex is ArgumentException || ex is PSInvalidOperationException;
    }
}
