-- The Hangfire job whose run holds a row's processing claim (ProcessingClaims). Hangfire runs the same job again (same
-- job id) once the process that fetched it stopped heart-beating (a killed worker) or after a retry is scheduled: that
-- run is the only one left of its job, so it takes back a claim its own job made instead of waiting 15 minutes for the
-- claim to be presumed dead. Null when no run holds the row, or when the claim was made outside Hangfire (then only
-- a pending row or a dead claim is claimable, as before).
ALTER TABLE photo_request_uploads ADD COLUMN claim_job text;
ALTER TABLE clean_originals ADD COLUMN claim_job text;
ALTER TABLE video_playbacks ADD COLUMN claim_job text;
