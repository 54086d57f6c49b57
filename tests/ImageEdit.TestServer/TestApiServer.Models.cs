using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageEdit.TestServer;

/// <summary>The Models API (ListModelsResponse, Model) over the catalog that /_control/models replaces; retired models are not listed.</summary>
public sealed partial class TestApiServer
{
    private void MapModelsApi(WebApplication app)
    {
        app.MapGet("/v1/models", ListModelsAsync);
        app.MapGet("/v1/models/{model}", (HttpContext context, string model) => RetrieveModelAsync(context, model));
    }

    private async Task ListModelsAsync(HttpContext context)
    {
        var recorded = Record(context);
        if (!await AuthoriseAsync(context, recorded)) return;
        var data = new JsonArray();
        foreach (var model in Models.All.Where(m => !m.Retired)) data.Add(ModelCatalog.ToJson(model));
        await WriteJsonAsync(context, recorded, 200, new JsonObject { ["object"] = "list", ["data"] = data });
    }

    private async Task RetrieveModelAsync(HttpContext context, string id)
    {
        var recorded = Record(context);
        if (!await AuthoriseAsync(context, recorded)) return;
        if (Models.Find(id) is not { Retired: false } model)
        {
            await WriteErrorAsync(context, recorded, 404, ModelNotFound(id), "invalid_request_error", null, "model_not_found");
            return;
        }
        await WriteJsonAsync(context, recorded, 200, ModelCatalog.ToJson(model));
    }
}
