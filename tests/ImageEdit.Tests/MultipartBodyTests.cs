using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ImageEdit.Requests;
using ImageEdit.Http;
using ImageEdit.Models;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace ImageEdit.Tests;

public class MultipartBodyTests
{
    private static string Sample(string name) => Path.Combine(TestPaths.Samples, name);

    [Fact]
    public async Task One_image_is_a_file_field_named_image_with_its_bytes_and_type()
    {
        var request = new ImageEditRequest(new[] { Sample("lighthouse.png") }, "paint it", fields: new Dictionary<string, object?> { ["n"] = 2, ["output_compression"] = 50, ["output_format"] = "webp" });

        var parts = await SerializeAndParseAsync(request);

        var image = Assert.Single(parts, p => p.FileName != null);
        Assert.Equal("image", image.Name);
        Assert.Equal("lighthouse.png", image.FileName);
        Assert.Equal("image/png", image.ContentType);
        Assert.Equal(File.ReadAllBytes(Sample("lighthouse.png")), image.Bytes);
        Assert.Equal("paint it", Text(parts, "prompt"));
        Assert.Equal("2", Text(parts, "n"));
        Assert.Equal("50", Text(parts, "output_compression"));
        Assert.Equal("webp", Text(parts, "output_format"));
        Assert.DoesNotContain(parts, p => p.Name is "model" or "size" or "quality" or "background" or "user" or "stream" or "mask");
    }

    [Fact]
    public async Task Several_images_are_each_image_brackets_in_order_and_the_mask_is_mask()
    {
        string mask = Sample("lighthouse.png");
        var request = new ImageEditRequest(new[] { Sample("lighthouse.png"), Sample("harbour.jpg"), Sample("meadow.webp") }, "combine", mask: mask);

        var parts = await SerializeAndParseAsync(request);

        var files = parts.Where(p => p.FileName != null).ToList();
        Assert.Equal(new[] { "image[]", "image[]", "image[]", "mask" }, files.Select(f => f.Name));
        Assert.Equal(new[] { "image/png", "image/jpeg", "image/webp", "image/png" }, files.Select(f => f.ContentType));
        Assert.Equal(File.ReadAllBytes(Sample("harbour.jpg")), files[1].Bytes);
    }

    [Fact]
    public async Task The_content_type_comes_from_the_bytes_not_the_extension()
    {
        string folder = TestPaths.NewTempFolder();
        string disguised = Path.Combine(folder, "really-webp.png");
        File.Copy(Sample("meadow.webp"), disguised);

        var parts = await SerializeAndParseAsync(new ImageEditRequest(new[] { disguised }, "x"));

        Assert.Equal("image/webp", parts.Single(p => p.FileName != null).ContentType);
    }

    [Fact]
    public async Task Numbers_are_written_in_invariant_culture_whatever_the_current_culture()
    {
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("ar-SA") { NumberFormat = { NativeDigits = ["٠", "١", "٢", "٣", "٤", "٥", "٦", "٧", "٨", "٩"], DigitSubstitution = DigitShapes.NativeNational, NegativeSign = "−" } };
            var parts = await SerializeAndParseAsync(new ImageEditRequest(new[] { Sample("lighthouse.png") }, "x", stream: true, fields: new Dictionary<string, object?> { ["n"] = 10, ["output_compression"] = 0, ["partial_images"] = 3 }));
            Assert.Equal(("10", "0", "3", "true"), (Text(parts, "n"), Text(parts, "output_compression"), Text(parts, "partial_images"), Text(parts, "stream")));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public async Task The_declared_length_is_the_length_written()
    {
        var body = MultipartEditEncoder.Build(new ImageEditRequest(new[] { Sample("lighthouse.png"), Sample("harbour.jpg") }, "ünïcödé prompt ✓", fields: new Dictionary<string, object?> { ["user"] = "u-1" }), CancellationToken.None);
        var stream = new MemoryStream();
        await body.CopyToAsync(stream);
        Assert.Equal(stream.Length, body.Headers.ContentLength);
    }

    [Fact]
    public async Task File_names_with_quotes_cannot_break_the_header()
    {
        string folder = TestPaths.NewTempFolder();
        string odd = Path.Combine(folder, "a \"quoted\" name.png");
        File.Copy(Sample("lighthouse.png"), odd);

        var parts = await SerializeAndParseAsync(new ImageEditRequest(new[] { odd }, "x"));

        Assert.Equal("a %22quoted%22 name.png", parts.Single(p => p.FileName != null).FileName);
    }

    [Fact]
    public async Task A_file_that_shrinks_while_it_is_sent_fails_the_request()
    {
        string folder = TestPaths.NewTempFolder();
        string file = Path.Combine(folder, "shrinking.png");
        File.Copy(Sample("lighthouse.png"), file);
        var body = MultipartEditEncoder.Build(new ImageEditRequest(new[] { file }, "x"), CancellationToken.None);
        File.WriteAllBytes(file, new byte[10]);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => body.CopyToAsync(new MemoryStream()));
        Assert.Contains("became shorter while it was being sent", (error.InnerException ?? error).Message);
    }

    internal sealed record Part(string Name, string? FileName, string? ContentType, byte[] Bytes);

    private static string? Text(IEnumerable<Part> parts, string name) =>
        parts.FirstOrDefault(p => p.Name == name && p.FileName == null) is { } part ? Encoding.UTF8.GetString(part.Bytes) : null;

    /// <summary>Serialises the body and reads it back with ASP.NET Core's multipart reader, as a server would.</summary>
    internal static async Task<List<Part>> SerializeAndParseAsync(ImageEditRequest request)
    {
        var body = MultipartEditEncoder.Build(request, CancellationToken.None);
        var stream = new MemoryStream();
        await body.CopyToAsync(stream);
        stream.Position = 0;
        string boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(body.Headers.ContentType!.ToString()).Boundary).Value!;
        var reader = new MultipartReader(boundary, stream);
        var parts = new List<Part>();
        while (await reader.ReadNextSectionAsync() is { } section)
        {
            var disposition = ContentDispositionHeaderValue.Parse(section.ContentDisposition);
            var bytes = new MemoryStream();
            await section.Body.CopyToAsync(bytes);
            parts.Add(new Part(HeaderUtilities.RemoveQuotes(disposition.Name).Value!, disposition.FileName.HasValue ? HeaderUtilities.RemoveQuotes(disposition.FileName).Value : null,
                section.ContentType, bytes.ToArray()));
        }
        return parts;
    }
}
