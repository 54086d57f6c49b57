using ImageEdit.Models;
using static ImageEdit.Rules.Refusal;
using ImageEdit.Requests;

namespace ImageEdit.Rules
{
    /// <summary>
    /// Animated output (-OutputFormat gif, gpt-image-2.6) and what it cannot go with: streaming and partial images, a
    /// mask; and the frame fields, which mean something only for an animation. (-OutputCompression with gif is refused
    /// by the field checks, as with png.) Which models take gif at all is the rules table's business.
    /// </summary>
    internal static class AnimationChecks
    {
        public static void Check(ImageEditRequest request)
        {
            bool gif = request.OutputFormat == "gif";
            if (!gif)
            {
                foreach (string frameField in new[] { "frame_count", "frame_duration_ms" })
                {
                    if (request.Value(frameField) != null)
                    {
                        string parameter = frameField == "frame_count" ? "-FrameCount" : "-FrameDurationMs";
                        throw Argument("FramesNeedGif", request.SourcePath,
                            $"{parameter} applies only to animated output, but the output format is {request.OutputFormat ?? "png (the default)"}.",
                            $"Pass -OutputFormat gif for an animation, or drop {parameter}.");
                    }
                }
                return;
            }
            if (request.Stream)
            {
                throw Argument("GifNotStreamable", request.SourcePath,
                    "Animated (gif) output cannot be streamed" + (request.PartialImages != null ? " and has no partial images" : "") + "; the API sends it whole.",
                    "Use Edit-Image (or Start-ImageEditBatch) for -OutputFormat gif, or stream png, jpeg or webp output.");
            }
            if (request.Mask != null)
            {
                throw Argument("GifWithMask", request.SourcePath, "Animated (gif) output cannot be combined with a mask.",
                    "Drop -Mask (or -MaskUrl, -MaskFileId), or choose -OutputFormat png, jpeg or webp.");
            }
        }
    }
}
