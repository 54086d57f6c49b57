using System;
using System.Collections.Generic;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Responses;

namespace ImageEdit.Output
{
    /// <summary>
    /// The first command in a process to save into a folder starts, beside its first request, a background thread that
    /// goes through what saving an answer does, so that the first answers do not pay for it while later ones do not
    /// (measured by the benchmark: the second wave of a fresh batch started 75 to 300 ms later than the waves after it,
    /// and a stream's first saved event reached user code 100 ms and more after it was sent). It decodes an answer's tiny
    /// image into a hidden temporary file in the folder, as every answer does, and deletes it again without naming it (as
    /// the folder's probe file is); compiles the code that gives a file its name; and writes an example run record line
    /// to a string. Nothing is left in the folder and nothing is sent. Once per process; $env:IMAGEEDIT_NO_WARMUP = '1'
    /// turns it off, like the import warm-up, and it runs only where a second processor can take it.
    /// </summary>
    internal static class SavingWarmUp
    {
        /// <summary>An answer with a valid 1 x 1 PNG.</summary>
        private static readonly byte[] Answer = Encoding.UTF8.GetBytes(
            "{\"created\":1,\"data\":[{\"b64_json\":\"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR4nGNgAAIAAAUAAXpeqz8AAAAASUVORK5CYII=\"}],\"usage\":{\"total_tokens\":1}}");

        private static int _started;

        /// <summary>The warm-up started in this process, and what failed in it; null when none was started.</summary>
        internal static Task<IReadOnlyList<Exception>>? Latest { get; private set; }

        /// <summary>Starts the warm-up on <paramref name="writer"/>'s folder, unless one was started in this process.</summary>
        public static void StartOnce(ImageFileWriter writer)
        {
            if (Environment.ProcessorCount < 2 || Environment.GetEnvironmentVariable("IMAGEEDIT_NO_WARMUP") == "1"
                || Interlocked.Exchange(ref _started, 1) == 1)
            {
                return;
            }
            var done = new TaskCompletionSource<IReadOnlyList<Exception>>();
            Latest = done.Task;
            new Thread(() =>
            {
                // An exception that escaped this thread would end the whole PowerShell process, so nothing may.
                try
                {
                    done.SetResult(Run(writer));
                }
                catch (Exception ex)
                {
                    done.TrySetResult(new[] { ex });
                }
            }) { IsBackground = true, Name = "ImageEdit saving warm-up" }.Start();
        }

        /// <summary>Each step on its own: one that fails leaves its work to the first answer. Returns what failed (for the tests).</summary>
        internal static IReadOnlyList<Exception> Run(ImageFileWriter writer)
        {
            var failures = new List<Exception>();
            void Step(Action work)
            {
                try
                {
                    work();
                }
                catch (Exception ex)
                {
                    failures.Add(ex);
                }
            }
            Step(() =>
            {
                // Parsed and decoded into a temporary file of the folder; disposing the parser deletes the file unnamed.
                using var parser = new ImagePayloadParser(_ => writer.Begin(OutputNames.Pending));
                parser.Read(Answer);
            });
            // Naming a file is a system call (link) whose marshalling stub is built on first use.
            Step(() => Marshal.Prelink(typeof(NameClaim).GetMethod("link", BindingFlags.NonPublic | BindingFlags.Static)!));
            Step(() =>
            {
                foreach (var method in new[]
                {
                    typeof(PendingImageFile).GetMethod(nameof(PendingImageFile.Commit))!,
                    typeof(ImageFileWriter).GetMethod(nameof(ImageFileWriter.Claim), BindingFlags.NonPublic | BindingFlags.Instance)!,
                    typeof(NameClaim).GetMethod(nameof(NameClaim.TryClaim))!,
                })
                {
                    RuntimeHelpers.PrepareMethod(method.MethodHandle);
                }
            });
            Step(() => RunRecord.SerializeExample());
            return failures;
        }
    }
}
