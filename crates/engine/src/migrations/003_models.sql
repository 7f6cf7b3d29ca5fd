-- Any model, not only Sora: a task keeps every choice it was made with. The shape is the
-- `aspect_ratio` sent (`16:9`, `21:9`, `adaptive`...) instead of landscape/portrait, so the
-- table is rebuilt without the old CHECK; every existing task is kept, its orientation
-- becoming the shape Sora was sent (landscape = 16:9, portrait = 9:16).
CREATE TABLE tasks_new (
    id                     TEXT PRIMARY KEY,
    remote_id              TEXT UNIQUE,
    -- EvoLink's `model` value as sent (e.g. `kling-v3-image-to-video`).
    model                  TEXT NOT NULL,
    prompt                 TEXT NOT NULL,
    aspect                 TEXT NOT NULL,
    -- Seconds, or the model's "let it choose" value (-1 on Wan).
    duration               INTEGER NOT NULL,
    quality                TEXT,
    -- 1 with sound, 0 silent, NULL where the model does not say.
    audio                  INTEGER,
    seed                   INTEGER,
    negative_prompt        TEXT,
    callback_url           TEXT,
    -- The first frame: the person's picture, how to fit it, its prepared copy and upload.
    source_image           TEXT,
    image_options          TEXT,
    prepared_image         TEXT,
    prepared_sha256        TEXT,
    upload_url             TEXT,
    upload_expires_at      INTEGER,
    -- The last frame, the same way.
    last_source_image      TEXT,
    last_image_options     TEXT,
    last_prepared_image    TEXT,
    last_prepared_sha256   TEXT,
    last_upload_url        TEXT,
    last_upload_expires_at INTEGER,
    state                  TEXT NOT NULL,
    progress               INTEGER NOT NULL DEFAULT 0,
    remote_status          TEXT,
    error_code             TEXT,
    error_message          TEXT,
    error_retryable        INTEGER,
    credits_reserved       REAL,
    credits_used           REAL,
    estimated_seconds      INTEGER,
    result_urls            TEXT,
    results_expire_at      INTEGER,
    video_path             TEXT,
    video_size             INTEGER,
    video_sha256           TEXT,
    favourite              INTEGER NOT NULL DEFAULT 0,
    retry_of               TEXT,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL,
    submitted_at           INTEGER,
    finished_at            INTEGER,
    api_base               TEXT,
    account                TEXT,
    create_sent_at         INTEGER,
    checks                 INTEGER NOT NULL DEFAULT 0,
    lookup                 TEXT,
    request_id             TEXT
);

-- rowid is kept: the gallery orders tasks made in the same second by it.
INSERT INTO tasks_new (
    rowid, id, remote_id, model, prompt, aspect, duration, quality, audio, callback_url,
    source_image, image_options, prepared_image, prepared_sha256, upload_url, upload_expires_at,
    state, progress, remote_status, error_code, error_message, error_retryable,
    credits_reserved, credits_used, estimated_seconds, result_urls, results_expire_at,
    video_path, video_size, video_sha256, favourite, retry_of, created_at, updated_at,
    submitted_at, finished_at, api_base, account, create_sent_at, checks, lookup, request_id)
SELECT
    rowid, id, remote_id, model, prompt,
    CASE orientation WHEN 'portrait' THEN '9:16' ELSE '16:9' END,
    duration, NULL,
    -- Sora always made sound.
    1,
    callback_url,
    source_image, image_options, prepared_image, prepared_sha256, upload_url, upload_expires_at,
    state, progress, remote_status, error_code, error_message, error_retryable,
    credits_reserved, credits_used, estimated_seconds, result_urls, results_expire_at,
    video_path, video_size, video_sha256, favourite, retry_of, created_at, updated_at,
    submitted_at, finished_at, api_base, account, create_sent_at, checks, lookup, request_id
FROM tasks;

DROP TABLE tasks;
ALTER TABLE tasks_new RENAME TO tasks;
CREATE INDEX tasks_newest_first ON tasks (created_at DESC, id DESC);
CREATE INDEX tasks_by_state ON tasks (state);
