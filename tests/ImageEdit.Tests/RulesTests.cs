using ImageEdit.Models;
using ImageEdit.Images;
using ImageEdit.Rules;

namespace ImageEdit.Tests;

public class RulesTests
{
    private static readonly string Lighthouse = Path.Combine(TestPaths.Samples, "lighthouse.png");

    [Theory]
    [InlineData("1536x864", true)]
    [InlineData("3840x2160", true)]
    [InlineData("2160x3840", true)]
    [InlineData("3840x1280", true)]
    [InlineData("1008x1008", true)]
    [InlineData("16x48", true)]
    [InlineData("1000x1000", false)]
    [InlineData("3856x1280", false)]
    [InlineData("1280x3856", false)]
    [InlineData("4096x2304", false)]
    [InlineData("2176x2176", false)]
    public void Gpt_image_2_takes_sizes_divisible_by_16_within_3_to_1_and_3840x2160(string size, bool accepted)
    {
        var result = new RequestValidator(new ImageProbeCache()).Validate(new ImageEditRequest(new[] { Lighthouse }, "x", fields: new Dictionary<string, object?> { ["model"] = "gpt-image-2", ["size"] = size }));
        Assert.Equal(accepted, result.Error is null);
    }

    [Fact]
    public void Every_model_the_contract_names_is_in_the_table_and_no_model_means_the_shared_gpt_rules()
    {
        var names = ModelCatalog.All.Select(m => m.Name).ToHashSet();
        Assert.Superset(names, new HashSet<string> { "dall-e-2", "gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "gpt-image-2", "gpt-image-2-2026-04-21", "chatgpt-image-latest" });
        Assert.Same(ModelCatalog.CurrentGptCommon, ModelCatalog.RulesFor(null));
        Assert.Same(ModelCatalog.Find("dall-e-2"), ModelCatalog.Find("DALL-E-2"));
        Assert.Null(ModelCatalog.Find("gpt-image-9"));
    }

    [Fact]
    public void An_unknown_model_gets_only_the_general_checks_and_a_warning_that_names_it()
    {
        var result = new RequestValidator(new ImageProbeCache()).Validate(new ImageEditRequest(new[] { Lighthouse }, "x", fields: new Dictionary<string, object?> { ["model"] = "gpt-image-9", ["input_fidelity"] = "high", ["size"] = "777x333" }));
        Assert.Null(result.Error);
        Assert.Contains("'gpt-image-9'", Assert.Single(result.Warnings));
    }

    [Fact]
    public void The_first_broken_rule_is_reported_with_its_id()
    {
        var result = new RequestValidator(new ImageProbeCache()).Validate(new ImageEditRequest(new[] { Lighthouse }, "x", fields: new Dictionary<string, object?> { ["model"] = "dall-e-2", ["background"] = "opaque" }));
        Assert.Equal("ParameterNotSupportedByModel", result.Error!.ErrorId);
    }
}
