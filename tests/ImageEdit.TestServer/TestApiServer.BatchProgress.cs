using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Problem = ImageEdit.TestServer.ContractValidator.Problem;

namespace ImageEdit.TestServer;

/// <summary>
/// A batch's way through its states (validating, in_progress, finalizing, completed, expired, failed, cancelling,
/// cancelled), as /_control/batches/{id}/advance or auto mode moves it; every method is called under job.Gate.
/// </summary>
public sealed partial class TestApiServer
{
    // ---- progress (call under job.Gate) ----

    /// <summary>
    /// Moves a batch along as /_control/batches/{id}/advance asks. Without "to" or "complete" it takes one step:
    /// validating to in_progress (or failed), in_progress to finalizing (running every remaining line), finalizing to
    /// completed, cancelling to cancelled. False (with the HTTP status to answer) when the batch cannot go there.
    /// </summary>
    private bool Advance(BatchJob job, BatchAdvanceRequest request, out int status)
    {
        status = 200;
        string? to = request.To;
        if ((to != null && !AdvanceTargets.Contains(to)) || request.Complete is < 0)
        {
            status = 400;
            return false;
        }
        if (job.IsTerminal)
        {
            status = 409;
            return false;
        }
        if (job.Status == "cancelling")
        {
            if (to is not (null or "cancelled"))
            {
                status = 409;
                return false;
            }
            FinishCancel(job);
            return true;
        }
        if (to == "cancelled")
        {
            status = 409;
            return false;
        }
        if (to == "failed")
        {
            Fail(job, [new BatchError(request.Code ?? "batch_failed", request.Message ?? "The batch failed (scripted through /_control).", null, null)]);
            return true;
        }
        if (job.Status == "validating")
        {
            Validate(job);
            if (job.Status == "failed") return true;
            if ((to is null or "in_progress") && request.Complete is null) return true;
        }
        if (request.Complete is { } count && job.Status == "in_progress") Execute(job, count);
        switch (to)
        {
            case null when request.Complete is null:
                if (job.Status == "in_progress") Finalize(job);
                else if (job.Status == "finalizing") Complete(job);
                break;
            case "finalizing":
                if (job.Status == "in_progress") Finalize(job);
                break;
            case "completed":
                if (job.Status == "in_progress") Finalize(job);
                Complete(job);
                break;
            case "expired":
                Expire(job);
                break;
        }
        return true;
    }

    private static string AdvanceRefusal(BatchJob job, BatchAdvanceRequest? request)
    {
        if (request?.To is { } to && !AdvanceTargets.Contains(to)) return $"'to' must be one of {string.Join(", ", AdvanceTargets)}; got '{to}'.";
        if (request?.Complete is < 0) return "'complete' must not be negative.";
        return $"The batch is {job.Status}; it cannot go to '{request?.To ?? "its next status"}'.";
    }

    /// <summary>What auto mode does on a GET: the batch runs to its end (completed, failed, or cancelled if it was cancelling).</summary>
    private void RunToEnd(BatchJob job)
    {
        if (job.Status == "cancelling")
        {
            FinishCancel(job);
            return;
        }
        if (job.Status == "validating") Validate(job);
        if (job.Status == "in_progress") Finalize(job);
        if (job.Status == "finalizing") Complete(job);
    }

    private void Validate(BatchJob job)
    {
        var result = BatchInputScanner.Scan(job.Input.Span, job.Endpoint, Batches.MaxRequests, Batches.MaxInputBytes);
        if (result.Errors.Count > 0)
        {
            Fail(job, result.Errors);
            return;
        }
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        job.Lines = result.Lines;
        job.Total = result.Lines.Count;
        job.Status = "in_progress";
        job.InProgressAt = now;
        job.ExpiresAt = job.CreatedAt + CompletionWindowSeconds;
    }

    private static void Fail(BatchJob job, List<BatchError> errors)
    {
        job.Status = "failed";
        job.FailedAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        job.Errors = errors;
        Release(job);
    }

    /// <summary>Runs every remaining line, then the batch is finalizing.</summary>
    private void Finalize(BatchJob job)
    {
        Execute(job, int.MaxValue);
        job.Status = "finalizing";
        job.FinalizingAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    }

    private void Complete(BatchJob job)
    {
        job.FinalizingAt ??= DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        StoreResultFiles(job);
        job.Status = "completed";
        job.CompletedAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    }

    private void Expire(BatchJob job)
    {
        WriteUnrun(job, "batch_expired", "This request could not be executed before the completion window expired.");
        StoreResultFiles(job);
        job.Status = "expired";
        job.ExpiredAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    }

    private void FinishCancel(BatchJob job)
    {
        WriteUnrun(job, "batch_cancelled", "This request was not executed because the batch was cancelled.");
        StoreResultFiles(job);
        job.Status = "cancelled";
        job.CancelledAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    }

    /// <summary>Lines that never ran go to the error file with response null and an error; they count neither as completed nor as failed.</summary>
    private static void WriteUnrun(BatchJob job, string code, string message)
    {
        for (; job.Next < job.Lines.Count; job.Next++)
        {
            var line = job.Lines[job.Next];
            job.ErrorOutput ??= new MemoryStream();
            using (var writer = new Utf8JsonWriter(job.ErrorOutput, ResultLineOptions))
            {
                writer.WriteStartObject();
                writer.WriteString("id", BatchStore.NewLineId());
                writer.WriteString("custom_id", line.CustomId);
                writer.WriteNull("response");
                writer.WriteStartObject("error");
                writer.WriteString("code", code);
                writer.WriteString("message", message);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
            job.ErrorOutput.WriteByte((byte)'\n');
            job.ErrorLines++;
        }
    }
}
