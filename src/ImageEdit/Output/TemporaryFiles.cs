using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Linq.Expressions;
using System.Threading;

namespace ImageEdit.Output
{
    /// <summary>
    /// The temporary files being written right now, deleted if the process is told to end, so that even then no
    /// half-written file is left behind: on SIGTERM (what timeout, cron and CI runners send) and SIGHUP (a closed
    /// terminal), and at ProcessExit. Ctrl+C and Stop() already delete them through cancellation.
    /// </summary>
    internal static class TemporaryFiles
    {
        private static readonly ConcurrentDictionary<string, bool> Live = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);

        /// <summary>The signal registrations, kept alive for the life of the process.</summary>
        private static readonly List<IDisposable> Registrations = new List<IDisposable>();

        static TemporaryFiles()
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => OnProcessEnding();
            RegisterSignal("SIGTERM");
            RegisterSignal("SIGHUP");
        }

        public static void Track(string path) => Live[path] = true;

        public static void Untrack(string path) => Live.TryRemove(path, out _);

        /// <summary>How old a temporary file must be before it can be taken for left over: no writer is between creating and locking it for that long.</summary>
        private static readonly TimeSpan LeftOverAge = TimeSpan.FromSeconds(2);

        /// <summary>
        /// Deletes the temporary files (.imageedit-*.tmp) a run killed with SIGKILL (or a power cut) left in a folder: those
        /// no writer holds (a writer keeps its file open and locked until it has its name) and older than a moment (so that
        /// a file another run has just created, and not locked yet, is left alone). Nothing a live run writes is touched.
        /// </summary>
        public static void DeleteLeftOver(string folder)
        {
            IEnumerable<string> candidates;
            try
            {
                candidates = System.IO.Directory.EnumerateFiles(folder, ".imageedit-*.tmp").ToList();
            }
            catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException)
            {
                return;
            }
            foreach (var path in candidates)
            {
                try
                {
                    if (Live.ContainsKey(path) || DateTime.UtcNow - System.IO.File.GetLastWriteTimeUtc(path) < LeftOverAge)
                    {
                        continue;
                    }
                    // An exclusive open fails while a writer (in any process) holds the file; deleting on close leaves nothing.
                    using (new System.IO.FileStream(path, System.IO.FileMode.Open, System.IO.FileAccess.ReadWrite, System.IO.FileShare.None, 1, System.IO.FileOptions.DeleteOnClose))
                    {
                    }
                }
                catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException)
                {
                    // Held by a live writer, or gone already.
                }
            }
        }

        /// <summary>True once the process is ending (a signal, or exit): a temporary file made from now on is deleted by its maker.</summary>
        public static bool Stopping => Volatile.Read(ref _stopping);
        private static bool _stopping;

        /// <summary>The process is ending (a signal, or exit): from now on no temporary file stays, then the sweep.</summary>
        private static void OnProcessEnding()
        {
            // Set before the sweep: a file made after the sweep's snapshot is then seen as Stopping by its maker.
            Volatile.Write(ref _stopping, true);
            DeleteAll();
        }

        internal static void DeleteAll()
        {
            foreach (var path in Live.Keys)
            {
                ImageFileWriter.TryDelete(path);
                Untrack(path);
            }
        }

        /// <summary>
        /// PosixSignalRegistration.Create(signal, _ => OnProcessEnding()) where the runtime has it (.NET 6 and later, which every
        /// supported PowerShell runs on); the module compiles against netstandard2.0, which does not name it. The signal's
        /// default action (ending the process) still follows.
        /// </summary>
        private static void RegisterSignal(string name)
        {
            try
            {
                var registrationType = Type.GetType("System.Runtime.InteropServices.PosixSignalRegistration, System.Runtime.InteropServices")
                    ?? Type.GetType("System.Runtime.InteropServices.PosixSignalRegistration");
                var signalType = Type.GetType("System.Runtime.InteropServices.PosixSignal, System.Runtime.InteropServices")
                    ?? Type.GetType("System.Runtime.InteropServices.PosixSignal");
                var contextType = Type.GetType("System.Runtime.InteropServices.PosixSignalContext, System.Runtime.InteropServices")
                    ?? Type.GetType("System.Runtime.InteropServices.PosixSignalContext");
                if (registrationType is null || signalType is null || contextType is null)
                {
                    return;
                }
                var context = Expression.Parameter(contextType, "context");
                var handler = Expression.Lambda(typeof(Action<>).MakeGenericType(contextType),
                    Expression.Call(typeof(TemporaryFiles).GetMethod(nameof(OnProcessEnding), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!), context).Compile();
                var create = registrationType.GetMethod("Create", new[] { signalType, handler.GetType() });
                if (create?.Invoke(null, new[] { Enum.Parse(signalType, name), handler }) is IDisposable registration)
                {
                    Registrations.Add(registration);
                }
            }
            catch (Exception ex) when (ex is PlatformNotSupportedException || ex is ArgumentException || ex is System.Reflection.TargetInvocationException)
            {
                // No such signal here (Windows has no SIGHUP): ProcessExit still cleans up.
            }
        }
    }
}
