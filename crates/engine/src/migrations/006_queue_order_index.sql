-- Every task recorded goes to the end of the queue, `MAX(queue_order) + 1`: with this index
-- SQLite reads that from the index's last entry instead of reading every task.
CREATE INDEX tasks_by_queue_order ON tasks (queue_order);
