-- Where each task was made, so it is followed there whatever Settings say later: the task API
-- host and a fingerprint of the account's key (never the key). Empty for tasks recorded before
-- this migration and for tasks not yet sent: those go where Settings point when they are sent.
ALTER TABLE tasks ADD COLUMN api_base TEXT;
ALTER TABLE tasks ADD COLUMN account TEXT;
-- The paid call's in-flight mark: set (durably) just before the create request is sent, cleared
-- when EvoLink refused it for certain. A task in `submitting` with the mark may have been
-- created upstream: it is reconciled (looked up, or resent with the same idempotency key),
-- never sent as a new task.
ALTER TABLE tasks ADD COLUMN create_sent_at INTEGER;
-- Reconciliation attempts of an uncertain create, and what the last lookup found
-- (`nothing_found`, `ambiguous`, `unavailable`).
ALTER TABLE tasks ADD COLUMN checks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN lookup TEXT;
-- EvoLink's request id of the last failed call, for support.
ALTER TABLE tasks ADD COLUMN request_id TEXT;

-- Uploads are kept per file host and account: another account cannot use this one's files.
DROP TABLE uploads;
CREATE TABLE uploads (
    sha256      TEXT NOT NULL,
    files_base  TEXT NOT NULL,
    account     TEXT NOT NULL,
    file_url    TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    uploaded_at INTEGER NOT NULL,
    PRIMARY KEY (sha256, files_base, account)
);
