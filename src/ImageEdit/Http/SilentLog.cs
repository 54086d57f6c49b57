namespace ImageEdit.Http
{
    /// <summary>A log that says nothing: for calls whose outcome the caller reports itself (the warm-up, the model list of the lifecycle).</summary>
    internal sealed class SilentLog : ILog
    {
        public void Verbose(string message) { }
        public void Warning(string message) { }
        public void Debug(string message) { }
    }
}
