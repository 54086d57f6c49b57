using System.Management.Automation;
using ImageEdit.Models;
using ImageEdit.Requests;
using ImageEdit.Rules;
using ImageEdit.Images;

namespace ImageEdit.Tests;

/// <summary>The field descriptions: strict binding of values, and the checks and encodings they drive.</summary>
public class RequestFieldTests
{
    private static readonly string Lighthouse = Path.Combine(TestPaths.Samples, "lighthouse.png");

    private static object? Bind(string wireName, object? value) =>
        RequestFields.Wire(wireName).Description.Convert(value);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Empty_and_null_values_mean_not_sent(object? value)
    {
        Assert.Null(Bind("n", value));
        Assert.Null(Bind("quality", value));
        Assert.Null(Bind("user", value));
    }

    [Theory]
    [InlineData("3", 3)]
    [InlineData(" 4 ", 4)]
    [InlineData(5, 5)]
    [InlineData(6L, 6)]
    [InlineData(7.0, 7)]
    public void Whole_numbers_bind_from_text_and_numbers(object value, int expected) => Assert.Equal(expected, Bind("n", value));

    [Theory]
    [InlineData("abc")]
    [InlineData("2.7")]
    [InlineData(2.7)]
    [InlineData("high")]
    [InlineData("1e3")]
    [InlineData("99999999999")]
    public void Anything_else_is_refused_never_rounded_or_dropped(object value)
    {
        var error = Assert.Throws<FieldValueException>(() => Bind("n", value));
        Assert.Contains("not a whole number", error.Problem);
        Assert.Contains("from 1 to 10", error.Advice);
    }

    [Fact]
    public void While_PowerShell_binds_a_refused_value_binds_nothing_and_is_noted_for_the_command()
    {
        Requests.BindingProblems.Clear();
        Assert.Null(RequestFields.Wire("n").Description.Transform(null!, new PSObject("abc")));
        Assert.Null(RequestFields.Wire("n").Description.Transform(null!, "abc"));
        var noted = Assert.Single(Requests.BindingProblems.Take());
        Assert.Equal("n", noted.WireName);
        Assert.Equal("abc", noted.Value);
        Assert.Equal("'abc' is not a whole number.", noted.Problem);
        Assert.Empty(Requests.BindingProblems.Take());
        Assert.Equal(4, RequestFields.Wire("n").Description.Transform(null!, "4"));
        Assert.Empty(Requests.BindingProblems.Take());
    }

    [Fact]
    public void Every_field_has_one_description_and_one_parameter()
    {
        var wires = RequestFields.All.Select(f => f.WireName).ToList();
        Assert.Equal(wires.Count, wires.Distinct().Count());
        Assert.Contains("n", wires);
        Assert.Contains("partial_images", wires);
        Assert.Equal("Count", RequestFields.Wire("n").ParameterName);
        Assert.Same(RequestFields.Wire("quality"), RequestFields.ForParameter("QUALITY"));
    }

    [Fact]
    public void Model_names_are_compared_without_case()
    {
        Assert.Equal("dall-e-2", ModelCatalog.Canonical("DALL-E-2"));
        Assert.Equal("gpt-image-7", ModelCatalog.Canonical("gpt-image-7"));
        var result = new Rules.RequestValidator(new ImageProbeCache()).Validate(
            new ImageEditRequest(new[] { Lighthouse }, "x", fields: new Dictionary<string, object?> { ["model"] = "DALL-E-2", ["background"] = "opaque" }));
        Assert.Equal("ParameterNotSupportedByModel", result.Error!.ErrorId);
    }

    [Theory]
    [InlineData("dall-e-2", "standard", true)]
    [InlineData("dall-e-2", "high", false)]
    [InlineData("gpt-image-2", "high", true)]
    [InlineData("gpt-image-2", "standard", false)]
    [InlineData(null, "standard", false)]
    [InlineData(null, "auto", true)]
    [InlineData("gpt-image-9", "ultra", true)]
    public void Quality_values_are_per_model(string? model, string quality, bool accepted)
    {
        string image = model == "dall-e-2" ? Path.Combine(TestPaths.PngSuite, "basn6a08.png") : Lighthouse;
        var result = new Rules.RequestValidator(new ImageProbeCache()).Validate(
            new ImageEditRequest(new[] { image }, "x", fields: new Dictionary<string, object?> { ["model"] = model, ["quality"] = quality }));
        Assert.True(accepted == (result.Error is null), result.Error?.Message);
        if (!accepted) Assert.Equal("ValueNotSupportedByModel", result.Error!.ErrorId);
    }

    [Fact]
    public void Every_local_rule_names_the_input_file_as_its_target()
    {
        var reference = Path.Combine(TestPaths.Samples, "harbour.jpg");
        var requests = new[]
        {
            new ImageEditRequest(new[] { Lighthouse }, new string('p', 40000)),
            new ImageEditRequest(new[] { Lighthouse }, "x", fields: new Dictionary<string, object?> { ["n"] = 11 }),
            new ImageEditRequest(new[] { Lighthouse }, "x", fields: new Dictionary<string, object?> { ["size"] = "big" }),
            new ImageEditRequest(new[] { Lighthouse, reference }, "x", fields: new Dictionary<string, object?> { ["model"] = "dall-e-2" }),
            new ImageEditRequest(new[] { Lighthouse }, "x", mask: reference),
        };
        foreach (var request in requests)
        {
            var error = new Rules.RequestValidator(new ImageProbeCache()).Validate(request).Error!;
            var record = Pipeline.ErrorRecordFactory.Create(error, request.SourcePath);
            Assert.Equal(Lighthouse, record.TargetObject);
        }
    }
}
