using System;
using System.Collections.Generic;
using System.Linq;
using ImageEdit.Requests;

namespace ImageEdit.Output
{
    /// <summary>
    /// What the run record says a request asked: its fingerprints (full, with source files by SHA-256, and quick, by path,
    /// length and write time), endpoint, model, prompt, fields and sources. Built once per request, for an edit's line
    /// (<see cref="RecordEntry"/>) or a batch request's (<see cref="BatchRequestLine"/>), which its result's line takes over.
    /// </summary>
    internal sealed class RecordedRequest
    {
        public string Key { get; set; } = "";
        public string QuickKey { get; set; } = "";
        public string Endpoint { get; set; } = "";
        public string? Model { get; set; }
        public string Prompt { get; set; } = "";
        public Dictionary<string, object>? Fields { get; set; }
        public List<RecordSource> Sources { get; set; } = new List<RecordSource>();

        /// <param name="request">The request as checked (local files, before any upload).</param>
        /// <param name="endpoint">Where it goes (the edits URI for its model).</param>
        /// <param name="sha256">The SHA-256 (hex) of a source file's bytes.</param>
        /// <param name="length">The length of a source file's bytes.</param>
        public static RecordedRequest Of(ImageEditRequest request, string endpoint, Func<string, string> sha256, Func<string, long> length) => new RecordedRequest
        {
            Key = RequestFingerprint.Full(request, endpoint, sha256),
            QuickKey = RequestFingerprint.Quick(request, endpoint),
            Endpoint = endpoint,
            Model = request.Model,
            Prompt = request.Prompt,
            Fields = request.Fields.Any() ? request.Fields.ToDictionary(f => f.Key.WireName, f => f.Value) : null,
            Sources = request.ImagesWithRoles.Select(image => RecordSource.Of(image.Source, image.Role, length, sha256)).ToList(),
        };
    }
}
