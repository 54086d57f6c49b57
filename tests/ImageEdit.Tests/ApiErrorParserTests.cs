using System.Net;
using System.Text;
using ImageEdit.Http;

namespace ImageEdit.Tests;

public class ApiErrorParserTests
{
    [Fact]
    public void An_OpenAI_error_object_gives_message_type_param_code_and_request_id()
    {
        byte[] body = Encoding.UTF8.GetBytes("{\"error\":{\"message\":\"Invalid value for 'size'.\",\"type\":\"invalid_request_error\",\"param\":\"size\",\"code\":\"invalid_value\"}}");

        var error = ApiErrorParser.FromBody(HttpStatusCode.BadRequest, "req_123", body, "application/json");

        Assert.Equal(("Invalid value for 'size'.", "invalid_request_error", "size", "invalid_value", "req_123"), (error.ApiMessage, error.ErrorType, error.Param, error.Code, error.RequestId));
        Assert.Contains("HTTP 400", error.Message);
        Assert.Contains("req_123", error.Message);
    }

    [Fact]
    public void Null_param_and_code_stay_null()
    {
        byte[] body = Encoding.UTF8.GetBytes("{\"error\":{\"message\":\"Rate limit reached.\",\"type\":\"requests\",\"param\":null,\"code\":null}}");
        var error = ApiErrorParser.FromBody((HttpStatusCode)429, null, body, "application/json");
        Assert.Null(error.Param);
        Assert.Null(error.Code);
        Assert.DoesNotContain("param", error.Message);
    }

    [Fact]
    public void An_html_page_becomes_a_short_excerpt_with_the_status()
    {
        string page = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>" + new string('x', 5000) + "</body></html>";
        var error = ApiErrorParser.FromBody(HttpStatusCode.BadGateway, "req_9", Encoding.UTF8.GetBytes(page), "text/html");

        Assert.Contains("502", error.Message);
        Assert.Contains("text/html", error.Message);
        Assert.Contains("<html> <head><title>502 Bad Gateway</title>", error.Message);
        Assert.True(error.Message.Length < 400, error.Message);
        Assert.Null(error.ErrorType);
    }

    [Fact]
    public void An_empty_body_is_described_as_empty()
    {
        var error = ApiErrorParser.FromBody(HttpStatusCode.InternalServerError, null, Array.Empty<byte>(), null);
        Assert.Contains("empty body", error.Message);
    }

    [Fact]
    public void An_error_event_payload_without_the_wrapper_is_read_too()
    {
        Assert.True(ApiErrorParser.TryParseError(Encoding.UTF8.GetBytes("{\"type\":\"error\",\"message\":\"boom\",\"code\":\"x\"}"), out var message, out _, out _, out var code));
        Assert.Equal(("boom", "x"), (message, code));
    }
}
