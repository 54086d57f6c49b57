namespace ImageEdit.Http
{
    /// <summary>Where the core says what it is doing; the cmdlets route it to Verbose, Warning and Debug on the pipeline thread.</summary>
    internal interface ILog
    {
        void Verbose(string message);
        void Warning(string message);
        void Debug(string message);
    }
}
