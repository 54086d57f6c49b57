using System.Threading;

namespace ImageEdit.Pipeline
{
    /// <summary>
    /// The one source of Write-Progress activity ids in the module, so that the batch bar, each stream's bar and each
    /// upload's bar never share an id (two counters that both start at 0 would make one bar overwrite another).
    /// </summary>
    internal static class ActivityIds
    {
        private static int _last;

        public static int Next() => Interlocked.Increment(ref _last);
    }
}
