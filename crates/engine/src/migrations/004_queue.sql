-- The queue: tasks wait their turn, unpaid, in `waiting`, in `queue_order`; a task recorded
-- later goes after every earlier one until the person reorders them.
ALTER TABLE tasks ADD COLUMN queue_order INTEGER;
-- Tasks recorded together (a batch of prompts, or the takes of one prompt), for the run's
-- progress; the takes of one prompt also share `takes_group`, and `take` is 1, 2, ...
ALTER TABLE tasks ADD COLUMN batch_id TEXT;
ALTER TABLE tasks ADD COLUMN takes_group TEXT;
ALTER TABLE tasks ADD COLUMN take INTEGER;
-- Videos the one paid call makes (Veo's `n`); the other videos of that call are tasks of
-- their own that name the task making the call in `lead_id` and are never sent themselves.
ALTER TABLE tasks ADD COLUMN videos INTEGER NOT NULL DEFAULT 1;
ALTER TABLE tasks ADD COLUMN lead_id TEXT;
-- What the paid call was estimated to cost when recorded, for today's spend before EvoLink
-- says what it reserved.
ALTER TABLE tasks ADD COLUMN estimate_credits REAL;
-- A paid task the person stopped following: `keep` saves the video if it comes, `discard`
-- does not.
ALTER TABLE tasks ADD COLUMN stopped TEXT CHECK (stopped IN ('keep', 'discard'));
CREATE INDEX tasks_by_lead ON tasks (lead_id) WHERE lead_id IS NOT NULL;
CREATE INDEX tasks_by_batch ON tasks (batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX tasks_by_takes ON tasks (takes_group) WHERE takes_group IS NOT NULL;
