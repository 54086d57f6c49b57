using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Http;
using ImageEdit.Models;
using ImageEdit.Operations;
using ImageEdit.Output;
using ImageEdit.Pipeline;
using ImageEdit.Requests;

namespace ImageEdit.Commands
{
    /// <summary>
    /// <para type="synopsis">Edits images with stream=true, writing each server-sent event (partial images, then the completed image) to the pipeline as it arrives.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "ImageEditStream", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(ImageEditPartialImageEvent), typeof(ImageEditCompletedEvent))]
    public sealed class GetImageEditStreamCommand : SentEditCommandBase
    {
        /// <summary>How many partial images to stream before the final one, 0 to 3 (the field partial_images).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("partial_images", FieldKind.Integer, Minimum = 0, Maximum = 3, GptImageOnly = true, StreamingOnly = true)]
        public int? PartialImages { get; set; }

        /// <summary>
        /// A budget in USD: once the cost of this command's completed requests reaches it, no new request is sent (those on
        /// their way finish and are kept); every input not sent gets a BudgetExceeded error, and -Resume sends just those
        /// later. Needs a price for the model (Get-ImageEditModel shows the table; $env:IMAGEEDIT_PRICE_FILE adds prices).
        /// </summary>
        [Parameter]
        [ValidateRange(0, 79228162514264337593543950335.0)]
        public decimal? MaxCost { get; set; }

        internal override decimal? Budget => MaxCost;

        internal override EditDelivery Delivery => EditDelivery.Streamed;

        internal override Task RunAsync(ApiConnection connection, ImageEditRequest request, EditContext context, IOutputSink sink, CancellationToken cancellation) =>
            new StreamOperation(connection, context).RunAsync(request, sink, cancellation);
    }
}
