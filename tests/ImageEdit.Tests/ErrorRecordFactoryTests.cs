using System.Management.Automation;
using System.Net;
using ImageEdit.Http;
using ImageEdit.Images;
using ImageEdit.Output;
using ImageEdit.Pipeline;
using ImageEdit.Rules;

namespace ImageEdit.Tests;

public class ErrorRecordFactoryTests
{
    [Theory]
    [InlineData(400, "ApiBadRequest", ErrorCategory.InvalidArgument)]
    [InlineData(401, "ApiUnauthorized", ErrorCategory.AuthenticationError)]
    [InlineData(403, "ApiForbidden", ErrorCategory.PermissionDenied)]
    [InlineData(404, "ApiNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData(408, "ApiTimeout", ErrorCategory.OperationTimeout)]
    [InlineData(409, "ApiConflict", ErrorCategory.ResourceBusy)]
    [InlineData(413, "ApiRequestTooLarge", ErrorCategory.LimitsExceeded)]
    [InlineData(422, "ApiUnprocessable", ErrorCategory.InvalidData)]
    [InlineData(429, "ApiRateLimited", ErrorCategory.QuotaExceeded)]
    [InlineData(500, "ApiServerError", ErrorCategory.ResourceUnavailable)]
    [InlineData(503, "ApiServerError", ErrorCategory.ResourceUnavailable)]
    [InlineData(200, "ApiInvalidAnswer", ErrorCategory.InvalidResult)]
    public void Each_status_has_a_stable_id_and_a_fitting_category(int status, string id, ErrorCategory category)
    {
        var record = ErrorRecordFactory.Create(new ApiException((HttpStatusCode)status, "message", "type", null, "code", "req_1"), "/in/cat.png");

        Assert.Equal((id, category, "/in/cat.png"), (record.FullyQualifiedErrorId, record.CategoryInfo.Category, record.TargetObject as string));
        Assert.False(string.IsNullOrEmpty(record.ErrorDetails?.RecommendedAction));
    }

    [Fact]
    public void A_moderation_refusal_says_what_to_change_not_to_correct_the_request()
    {
        var blocked = new ApiException(HttpStatusCode.BadRequest, "Your request was rejected by the safety system.", "image_generation_user_error", null, "moderation_blocked", "req_4");
        var record = ErrorRecordFactory.Create(blocked, "/in/cat.png");
        Assert.Equal("ApiBadRequest", record.FullyQualifiedErrorId);
        Assert.Equal("/in/cat.png", record.TargetObject);
        Assert.Contains("-Moderation low", record.ErrorDetails!.RecommendedAction);
        var other = ErrorRecordFactory.Create(new ApiException(HttpStatusCode.BadRequest, "bad size", "invalid_request_error", "size", "invalid_value", "req_5"), "/in/cat.png");
        Assert.Equal("ApiBadRequest", other.FullyQualifiedErrorId);
        Assert.DoesNotContain("-Moderation", other.ErrorDetails!.RecommendedAction);
    }

    [Fact]
    public void Stream_failures_have_their_own_ids()
    {
        var errorEvent = new ApiException(HttpStatusCode.OK, "boom", null, null, null, "req_2", kind: ApiFailureKind.StreamErrorEvent);
        var incomplete = new ApiException(HttpStatusCode.OK, "cut", null, null, null, "req_3", kind: ApiFailureKind.StreamIncomplete);
        Assert.Equal("ApiStreamError", ErrorRecordFactory.Create(errorEvent, null).FullyQualifiedErrorId);
        Assert.Equal("StreamIncomplete", ErrorRecordFactory.Create(incomplete, null).FullyQualifiedErrorId);
    }

    [Fact]
    public void Local_failures_keep_their_ids_categories_and_targets()
    {
        var timeout = ErrorRecordFactory.Create(new TimeoutException("slow"), "a.png");
        var connection = ErrorRecordFactory.Create(new ApiConnectionException("lost", null, null, new IOException("reset")), "a.png");
        var write = ErrorRecordFactory.Create(new OutputWriteException("disk full", new IOException("full")), "a.png");
        var image = ErrorRecordFactory.Create(new InvalidImageException("bad CRC"), "/x/a.png");
        var check = ErrorRecordFactory.Create(new LocalCheckException("MaskSizeMismatch", ErrorCategory.InvalidData, "mask.png", "sizes differ", "resize it"), "a.png");

        Assert.Equal(("Timeout", ErrorCategory.OperationTimeout), (timeout.FullyQualifiedErrorId, timeout.CategoryInfo.Category));
        Assert.Equal(("ConnectionFailed", ErrorCategory.ConnectionError), (connection.FullyQualifiedErrorId, connection.CategoryInfo.Category));
        Assert.Equal(("OutputWriteFailed", ErrorCategory.WriteError), (write.FullyQualifiedErrorId, write.CategoryInfo.Category));
        Assert.Equal(("InvalidImage", ErrorCategory.InvalidData), (image.FullyQualifiedErrorId, image.CategoryInfo.Category));
        Assert.Contains("a.png is not a usable image: bad CRC", image.Exception.Message);
        // The input the batch was working on is the target; the message names the mask.
        Assert.Equal(("MaskSizeMismatch", "a.png", "resize it"), (check.FullyQualifiedErrorId, check.TargetObject as string, check.ErrorDetails.RecommendedAction));
        Assert.Equal("mask.png", ErrorRecordFactory.Create(new LocalCheckException("PathNotFound", ErrorCategory.ObjectNotFound, "mask.png", "missing"), null).TargetObject);
    }
}
