using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using ImageEdit.Images;
using ImageEdit.Requests;
using static ImageEdit.Rules.Refusal;

namespace ImageEdit.Rules
{
    /// <summary>
    /// The images and the mask against the model's rules: how many, and for local files their format, size and shape as
    /// their headers tell (each file is probed once; what the probe learned stays on the request for the encoders).
    /// </summary>
    internal sealed class ImageChecks
    {
        private readonly ImageProbeCache _probes;

        public ImageChecks(ImageProbeCache probes)
        {
            _probes = probes;
        }

        public void CheckImages(ImageEditRequest request, ModelRules? model)
        {
            int limit = model?.MaxImages ?? ModelCatalog.MaxImagesAnyModel;
            if (request.Images.Count > limit)
            {
                throw Argument("TooManyImages", request.SourcePath,
                    limit == 1
                        ? $"{Capital(Label(model))} edits exactly one image, but the request has {request.Images.Count} (the image and {request.Images.Count - 1} reference images)."
                        : $"A request may carry at most {limit} images, but this one has {request.Images.Count} (the image and {request.Images.Count - 1} reference images).",
                    limit == 1 ? "Drop the reference images, or use a GPT image model." : $"Pass at most {limit - 1} reference images.");
            }
            foreach (var image in request.Images.Where(i => i.IsFile))
            {
                var info = Probe(image, "image");
                long maxBytes = model?.MaxImageBytes ?? 50L * 1024 * 1024;
                string name = image.Display;
                if (model != null && !model.ImageFormats.Contains(info.Format))
                {
                    throw Data("ImageFormatNotSupported", image.Value, $"{name} is a {info.Format} image, but {model.Label} accepts only {string.Join(" or ", model.ImageFormats)}.",
                        $"Convert {name} to PNG, or use a GPT image model.");
                }
                if (info.Length >= maxBytes)
                {
                    throw Data("ImageTooLarge", image.Value, $"{name} is {Megabytes(info.Length)}; {Label(model)} takes images smaller than {Megabytes(maxBytes)}.",
                        $"Reduce {name} below {Megabytes(maxBytes)}.");
                }
                if (model?.RequiresSquareImage == true && info.Width != info.Height)
                {
                    throw Data("ImageNotSquare", image.Value, $"{name} is {info.Width}x{info.Height}, but {model.Label} edits only square images.",
                        "Crop the image to a square, or use a GPT image model.");
                }
            }
        }

        public void CheckMask(ImageEditRequest request, ValidationResult result)
        {
            var maskSource = request.Mask;
            if (maskSource is null || !maskSource.IsFile)
            {
                return;
            }
            var mask = Probe(maskSource, "mask");
            string name = maskSource.Display;
            if (mask.Format != ImageFormat.Png)
            {
                throw Data("MaskNotPng", maskSource.Value, $"The mask {name} is a {mask.Format} image; a mask must be a PNG.", "Save the mask as a PNG with transparent areas where the edit goes.");
            }
            if (mask.Length >= ModelCatalog.MaskMaxBytes)
            {
                throw Data("MaskTooLarge", maskSource.Value, $"The mask {name} is {Megabytes(mask.Length)}; a mask must be smaller than {Megabytes(ModelCatalog.MaskMaxBytes)}.",
                    "Reduce the mask's file size (it only needs an alpha channel).");
            }
            var first = request.Source.Info;
            if (first != null && (mask.Width != first.Width || mask.Height != first.Height))
            {
                throw Data("MaskSizeMismatch", maskSource.Value,
                    $"{name} is {mask.Width}x{mask.Height} but {request.Source.Display} is {first.Width}x{first.Height}; a mask must have the same width and height as the first image.",
                    $"Resize the mask to {first.Width}x{first.Height}.");
            }
            if (!mask.HasAlpha)
            {
                result.Warnings.Add($"The mask {name} has no alpha channel, so it marks nothing to edit: the edit may change the whole image. Fully transparent pixels mark where to edit.");
            }
        }

        /// <summary>
        /// The markup image (gpt-image-2.6): not with a mask, only for a model that takes it, and as a local file a PNG of
        /// the first image's width and height (one without transparency would hide the image: a warning).
        /// </summary>
        public void CheckMarkup(ImageEditRequest request, ModelRules? model, ValidationResult result)
        {
            var markupSource = request.Markup;
            if (markupSource is null)
            {
                return;
            }
            if (request.Mask != null)
            {
                throw Argument("MarkupWithMask", request.SourcePath,
                    "A markup image and a mask cannot go together: the markup itself shows where and how to edit.",
                    "Drop -Mask (or -MaskUrl, -MaskFileId), or drop -Markup (or -MarkupUrl, -MarkupFileId).");
            }
            if (model != null && model.UnsupportedFields.Contains("markup"))
            {
                throw Argument("ParameterNotSupportedByModel", request.SourcePath, $"{model.SentenceLabel} does not take a markup image (-Markup).",
                    $"Use -Model {ModelCatalog.MarkupModels}, or drop -Markup.");
            }
            if (!markupSource.IsFile)
            {
                return;
            }
            var markup = Probe(markupSource, "markup");
            string name = markupSource.Display;
            if (markup.Format != ImageFormat.Png)
            {
                throw Data("MarkupNotPng", markupSource.Value, $"The markup image {name} is a {markup.Format} image; markup must be a PNG with transparency.",
                    "Save the markup as a PNG: your annotations on a transparent background.");
            }
            var first = request.Source.Info;
            if (first != null && (markup.Width != first.Width || markup.Height != first.Height))
            {
                throw Data("MarkupSizeMismatch", markupSource.Value,
                    $"{name} is {markup.Width}x{markup.Height} but {request.Source.Display} is {first.Width}x{first.Height}; markup must have the same width and height as the first image.",
                    $"Resize the markup to {first.Width}x{first.Height}.");
            }
            if (!markup.HasAlpha)
            {
                result.Warnings.Add($"The markup image {name} has no alpha channel, so it covers the whole image instead of annotating it. Draw the annotations on a transparent background.");
            }
        }

        private static string Label(ModelRules? model) => model?.Label ?? "the API";

        private static string Capital(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text.Substring(1);

        private ImageInfo Probe(ImageSource file, string role)
        {
            string path = file.Value;
            string name = Path.GetFileName(path);
            try
            {
                return file.Info = _probes.Probe(path);
            }
            catch (FileNotFoundException)
            {
                throw new LocalCheckException("PathNotFound", ErrorCategory.ObjectNotFound, path, $"Cannot find the {role} file '{path}'.", "Check the path.");
            }
            catch (UnauthorizedAccessException)
            {
                throw new LocalCheckException("FileNotReadable", ErrorCategory.PermissionDenied, path, $"{name} cannot be read: access is denied.", $"Grant read access to {path}.");
            }
            catch (IOException ex)
            {
                throw new LocalCheckException("FileNotReadable", ErrorCategory.ReadError, path, $"{name} cannot be read: {ex.Message}", null);
            }
            catch (EmptyImageFileException)
            {
                throw Data("EmptyFile", path, $"The {role} file {name} is empty (0 bytes).", "Pass a PNG, JPEG or WebP image.");
            }
            catch (InvalidImageException ex)
            {
                bool unknownFormat = ex is UnrecognisedImageFormatException;
                throw Data(unknownFormat ? "UnsupportedImageFormat" : "InvalidImage", path,
                    $"The {role} file {name} {(unknownFormat ? "is not a PNG, JPEG or WebP image" : "is not a valid image")}: {ex.Message}.",
                    unknownFormat ? "Convert it to PNG, JPEG or WebP (the extension does not matter; the bytes do)." : "Re-save the image with an image editor.");
            }
        }
    }
}
