using System;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using ImageEdit.Models;
using ImageEdit.Operations;
using ImageEdit.Pipeline;
using ImageEdit.Responses;
using ImageEdit.Rules;

namespace ImageEdit.Commands
{
    /// <summary>
    /// <para type="synopsis">Lists the image models the key can use (GET /models), with the shutdown date the API reports.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "ImageEditModel")]
    [OutputType(typeof(ImageEditModel))]
    public sealed class GetImageEditModelCommand : ScheduledCommandBase
    {
        /// <summary>Only models whose name matches one of these (wildcards allowed).</summary>
        [Parameter(Position = 0)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(ModelCompleter))]
        public string[]? Name { get; set; }

        /// <summary>List every model the key can use, not only image models.</summary>
        [Parameter]
        public SwitchParameter All { get; set; }

        internal override string Activity => "Listing models";

        protected override void EndProcessing()
        {
            var prices = PriceTables.Load(this);
            var connection = Connection;
            RequireCredentials(connection);
            // The call runs on the scheduler like every command's; its failure stops the command (there is no list to show).
            ModelListDto? list = null;
            Exception? failure = null;
            var scheduler = Scheduler;
            scheduler.Start(async token =>
            {
                try
                {
                    list = await ModelsApi.ListAsync(connection, scheduler, token).ConfigureAwait(false);
                }
                catch (Exception ex) when (!(ex is OperationCanceledException && token.IsCancellationRequested))
                {
                    failure = ex;
                }
            }, connection.ModelsUri().GetLeftPart(UriPartial.Path));
            base.EndProcessing();
            if (failure != null)
            {
                ThrowTerminatingError(ErrorRecordFactory.Create(failure, connection.ModelsUri().GetLeftPart(UriPartial.Path)));
            }
            if (list is null)
            {
                throw new PipelineStoppedException();
            }
            KeepForTheLifecycle(connection, list);
            var patterns = (Name ?? new[] { "*" }).Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
            DateTime today = ModelLifecycle.Today();
            var matched = new bool[patterns.Count];
            foreach (var model in list.Data.OrderBy(m => m.Id, StringComparer.Ordinal))
            {
                if (!All && !IsImageModel(model.Id))
                {
                    continue;
                }
                var hits = patterns.Select(p => p.IsMatch(model.Id)).ToArray();
                if (!hits.Any(h => h))
                {
                    continue;
                }
                for (int i = 0; i < hits.Length; i++) matched[i] |= hits[i];
                DateTime? shutdown = DateTime.TryParseExact(model.ShutdownDate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : (DateTime?)null;
                string status = shutdown is null ? "Available" : today >= shutdown ? "Retired" : (shutdown.Value - today).TotalDays <= ModelLifecycle.WarningDays ? "Retiring" : "Available";
                var price = prices.Find(model.Id);
                WriteObject(new ImageEditModel(model.Id, DateTimeOffset.FromUnixTimeSeconds(model.Created), model.OwnedBy, shutdown,
                    ModelCatalog.Find(model.Id)?.Replacement, status) { Price = price, PriceDate = price is null ? null : prices.Date });
            }
            // Like Get-Command: a name without wildcards that matches nothing is an error; a pattern that matches nothing is not.
            for (int i = 0; i < matched.Length; i++)
            {
                string name = (Name ?? Array.Empty<string>()).ElementAtOrDefault(i) ?? "*";
                if (!matched[i] && !WildcardPattern.ContainsWildcardCharacters(name))
                {
                    WriteError(ErrorRecordFactory.Create(new LocalCheckException("ModelNotFound", ErrorCategory.ObjectNotFound, name,
                        $"The key can use no {(All ? "" : "image ")}model named '{name}'.", All ? "Check the name; Get-ImageEditModel -All lists every model." : "Check the name; Get-ImageEditModel lists the image models, -All every model."), name));
                }
            }
        }

        /// <summary>The list just read is the API's word on shutdown dates: the edits of the next day read it from the cache instead of asking again.</summary>
        private void KeepForTheLifecycle(Http.ApiConnection connection, Responses.ModelListDto list)
        {
            if (connection.ApiType == Http.ApiType.Azure)
            {
                return;
            }
            var cache = ModelListCache.Default();
            try
            {
                cache.Write(ModelShutdownList.From(connection.ModelsUri().AbsoluteUri, list.Data, DateTimeOffset.UtcNow));
            }
            catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException || ex is NotSupportedException || ex is ArgumentException)
            {
                WriteVerbose($"The model list could not be cached in {cache.Folder} ({ex.Message}).");
            }
        }

        /// <summary>The rules table's models, and names of the image families (new snapshots and variants appear often).</summary>
        private static bool IsImageModel(string id) =>
            ModelCatalog.Find(id) != null || id.StartsWith("gpt-image", StringComparison.OrdinalIgnoreCase)
            || id.StartsWith("dall-e", StringComparison.OrdinalIgnoreCase) || id.StartsWith("chatgpt-image", StringComparison.OrdinalIgnoreCase);
    }
}
