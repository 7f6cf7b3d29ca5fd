-- Tasks: one row per video the person asked for. `id` is ours (also the idempotency key of the
-- paid create call); `remote_id` is EvoLink's, known once the create call answered.
CREATE TABLE tasks (
    id                TEXT PRIMARY KEY,
    remote_id         TEXT UNIQUE,
    model             TEXT NOT NULL,
    prompt            TEXT NOT NULL,
    orientation       TEXT NOT NULL CHECK (orientation IN ('landscape', 'portrait')),
    duration          INTEGER NOT NULL,
    callback_url      TEXT,
    source_image      TEXT,
    image_options     TEXT,
    prepared_image    TEXT,
    prepared_sha256   TEXT,
    upload_url        TEXT,
    upload_expires_at INTEGER,
    state             TEXT NOT NULL,
    progress          INTEGER NOT NULL DEFAULT 0,
    remote_status     TEXT,
    error_code        TEXT,
    error_message     TEXT,
    error_retryable   INTEGER,
    credits_reserved  REAL,
    credits_used      REAL,
    estimated_seconds INTEGER,
    result_urls       TEXT,
    results_expire_at INTEGER,
    video_path        TEXT,
    video_size        INTEGER,
    video_sha256      TEXT,
    favourite         INTEGER NOT NULL DEFAULT 0,
    retry_of          TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    submitted_at      INTEGER,
    finished_at       INTEGER
);

CREATE INDEX tasks_newest_first ON tasks (created_at DESC, id DESC);
CREATE INDEX tasks_by_state ON tasks (state);

-- Prepared pictures already uploaded, by content hash, so the same picture is not uploaded
-- twice while EvoLink still keeps it (uploads expire after 72 hours).
CREATE TABLE uploads (
    sha256      TEXT PRIMARY KEY,
    file_url    TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    uploaded_at INTEGER NOT NULL
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
