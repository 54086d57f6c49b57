using System.Linq;
using System.Management.Automation;
using ImageEdit.Images;
using ImageEdit.Models;
using ImageEdit.Operations;
using ImageEdit.Pipeline;
using ImageEdit.Rules;

namespace ImageEdit.Commands
{
    /// <summary>
    /// <para type="synopsis">Uploads images to the OpenAI Files API (purpose vision by default), streamed from disk, so that edits can name them by file ID.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Add, "ImageEditFile", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(ImageEditFile))]
    public sealed class AddImageEditFileCommand : ThrottledCommandBase
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";

        /// <summary>The images to upload, one request each. Wildcards are expanded; a piped string or FileInfo binds here.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [PipedItemPath]
        public string[] Path { get; set; } = System.Array.Empty<string>();

        /// <summary>The images to upload, taken exactly as written.</summary>
        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = System.Array.Empty<string>();

        /// <summary>What the file is for: vision (images for edits, the default) or user_data.</summary>
        [Parameter]
        [ValidateSet("vision", "user_data")]
        public string Purpose { get; set; } = "vision";

        /// <summary>
        /// Days after its upload when the Files API deletes the file by itself, 1 to 30 (the API's bounds are one hour and
        /// 30 days). Left out, the file stays until it is removed (Remove-ImageEditFile).
        /// </summary>
        [Parameter]
        [ValidateRange(1, 30)]
        public int? ExpiresAfterDays { get; set; }

        internal override string Activity => "Uploading images";

        protected override void ProcessRecord()
        {
            bool literal = ParameterSetName == LiteralPathSet;
            // Paths only: a row whose Path and LiteralPath are null or empty is refused by name (NoImageGiven).
            foreach (var input in new InputSources(this, new InputPathResolver(this)).ResolvePaths(literal ? LiteralPath : null, literal ? null : Path))
            {
                if (input.Error != null)
                {
                    WriteError(input.Error);
                    continue;
                }
                Upload(input.Source!.Value);
            }
        }

        private void Upload(string path)
        {
            // Only images are uploaded for edits: a file that is not one is refused here, before it is sent.
            try
            {
                ImageProbe.ProbeHeaders(path);
            }
            catch (System.Exception ex) when (ex is InvalidImageException || ex is System.IO.IOException || ex is System.UnauthorizedAccessException)
            {
                WriteError(ErrorRecordFactory.Create(new LocalCheckException(ex is InvalidImageException ? "InvalidImage" : "FileNotReadable", ErrorCategory.InvalidData, path,
                    $"{System.IO.Path.GetFileName(path)} is not an image that can be edited: {ex.Message}", "Upload PNG, JPEG or WebP images."), path));
                return;
            }
            if (!ShouldProcess(path, $"Upload to the Files API at {Connection.Origin} (purpose {Purpose})"))
            {
                return;
            }
            RequireCredentials(Connection);
            var connection = Connection;
            var scheduler = Scheduler;
            string purpose = Purpose;
            System.TimeSpan? expiry = ExpiresAfterDays is int days ? System.TimeSpan.FromDays(days) : (System.TimeSpan?)null;
            scheduler.Start(async token => scheduler.WriteObject(await FilesApi.UploadAsync(connection, path, purpose, expiry, scheduler, token).ConfigureAwait(false)), path);
        }
    }

    /// <summary>
    /// <para type="synopsis">Deletes files from the OpenAI Files API by ID (for example the results of Add-ImageEditFile).</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "ImageEditFile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    public sealed class RemoveImageEditFileCommand : ThrottledCommandBase
    {
        /// <summary>The IDs of the files to delete; binds from a piped string or from FileId of Add-ImageEditFile's results.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] FileId { get; set; } = System.Array.Empty<string>();

        internal override string Activity => "Deleting files";

        protected override void ProcessRecord()
        {
            foreach (string given in FileId)
            {
                string id = given.Trim();
                if (id.Length == 0 || id.Any(c => char.IsWhiteSpace(c) || c == '/' || c == '?' || c == '#' || c == '%'))
                {
                    WriteError(ErrorRecordFactory.Create(new LocalCheckException("InvalidFileId", ErrorCategory.InvalidArgument, given,
                        $"'{given}' is not a file ID.", "Pass the ID of an uploaded file (file-...), e.g. the FileId of Add-ImageEditFile's results."), given));
                    continue;
                }
                if (!ShouldProcess(id, $"Delete the file from the Files API at {Connection.Origin}"))
                {
                    continue;
                }
                RequireCredentials(Connection);
                var connection = Connection;
                var scheduler = Scheduler;
                scheduler.Start(token => FilesApi.DeleteAsync(connection, id, scheduler, token), id);
            }
        }
    }
}
