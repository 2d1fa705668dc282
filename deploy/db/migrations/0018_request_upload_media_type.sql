-- What a guest sent to a photo request, as the API sniffed it when it took the file (MediaTypes.Sniff): 'image' or
-- 'video'. The API enqueues a video's clean on the video queue (a clean may transcode), and the sweeper, re-enqueueing
-- an upload whose job was lost, must pick the same queue; the worker cleans by it instead of sniffing the bytes again.
-- Uploads before videos were taken are photos.
ALTER TABLE photo_request_uploads
    ADD COLUMN media_type text NOT NULL DEFAULT 'image' CHECK (media_type IN ('image', 'video'));
