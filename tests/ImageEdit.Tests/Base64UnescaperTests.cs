using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ImageEdit.Responses;

namespace ImageEdit.Tests;

public class Base64UnescaperTests
{
    private static string Unescape(string escaped, out bool taken)
    {
        byte[] source = Encoding.ASCII.GetBytes(escaped);
        var destination = new byte[source.Length];
        taken = Base64Unescaper.TryUnescape(source, destination, out int written);
        return taken ? Encoding.ASCII.GetString(destination, 0, written) : "";
    }

    [Theory]
    [InlineData("QUJD", "QUJD")]
    [InlineData("", "")]
    [InlineData("a\\/b", "a/b")]
    [InlineData("\\/\\/", "//")]
    [InlineData("ab\\u002Bcd\\u002bef\\u003D", "ab+cd+ef=")]
    [InlineData("\\u002F", "/")]
    [InlineData("x\\u0041", "xA")]
    public void Takes_the_escapes_base64_can_hold(string escaped, string expected)
    {
        Assert.Equal(expected, Unescape(escaped, out bool taken));
        Assert.True(taken);
    }

    [Theory]
    [InlineData("ab\\n")]
    [InlineData("ab\\\\")]
    [InlineData("ab\\u00e9")]
    [InlineData("ab\\u0020")]
    [InlineData("ab\\u002")]
    [InlineData("ab\\")]
    [InlineData("ab\\u00zz")]
    public void Leaves_any_other_escape_to_the_general_unescaper(string escaped)
    {
        Unescape(escaped, out bool taken);
        Assert.False(taken);
    }

    [Fact]
    public void Agrees_with_the_json_reader_on_an_image_as_dotnets_default_encoder_writes_it()
    {
        var image = new byte[300_000];
        new Random(7).NextBytes(image);
        // JsonObject's default encoder writes '+' as \u002B, one character in 64 of random base64.
        byte[] json = Encoding.UTF8.GetBytes(new JsonObject { ["b64_json"] = Convert.ToBase64String(image) }.ToJsonString());
        var reader = new Utf8JsonReader(json);
        reader.Read();
        reader.Read();
        reader.Read();
        Assert.True(reader.ValueIsEscaped);
        var expected = new byte[reader.ValueSpan.Length];
        int expectedLength = reader.CopyString(expected);
        var actual = new byte[reader.ValueSpan.Length];
        Assert.True(Base64Unescaper.TryUnescape(reader.ValueSpan, actual, out int written));
        Assert.Equal(expected.AsSpan(0, expectedLength).ToArray(), actual.AsSpan(0, written).ToArray());
        Assert.Equal(image, Convert.FromBase64String(Encoding.ASCII.GetString(actual, 0, written)));
    }
}
