namespace PhotoApi.Persistence.Writes;

/// <summary>
/// The processing claim that rows worked on by a job share (assets, photo-request uploads, clean copies): a run sets
/// <c>status = 'processing'</c> with the time it claimed the row and counts the attempt; a claim silent for
/// <see cref="StaleAfter"/> is presumed dead, so another run may take the row over and the sweeper re-enqueues it.
/// SQL fragments, so every job and the sweeper agree on them.
/// </summary>
public static class ProcessingClaims
{
    /// <summary>How long a claim may stay silent before its run is presumed dead (a PostgreSQL interval).</summary>
    public const string StaleAfter = "15 minutes";

    /// <summary>The SET list that claims a row (its columns unqualified, as SET wants them).</summary>
    public const string Claim = "status = 'processing', attempts = attempts + 1, processing_since = now(), updated_at = now()";

    /// <summary>The row (of alias or table <paramref name="t"/>) is processing under a claim presumed dead.</summary>
    public static string PresumedDead(string t) => $"{t}.status = 'processing' AND {t}.processing_since < now() - interval '{StaleAfter}'";

    /// <summary>The row (of alias or table <paramref name="t"/>) may be claimed: pending, or its claim is presumed dead.</summary>
    public static string Claimable(string t) => $"({t}.status = 'pending' OR {PresumedDead(t)})";
}
