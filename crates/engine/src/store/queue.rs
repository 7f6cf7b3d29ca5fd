//! The queue's records: its rules (in the store, so the app and the CLI share them), the
//! order of waiting tasks, the slots taken per account, today's spend, and runs.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::{now, task_from_row, Result, Stopped, Store, StoreError, Task};
use crate::state::TaskState;

/// The queue's rules.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct QueueRules {
    /// No waiting task starts its paid call (tasks already paid go on).
    pub paused: bool,
    /// Videos being made at once per account; the rest wait, unpaid.
    pub max_active: u32,
    /// Credits per day (the computer's local day); `None`: no limit.
    pub daily_limit: Option<f64>,
}

impl QueueRules {
    /// Videos at once when nobody chose.
    pub const DEFAULT_MAX_ACTIVE: u32 = 3;
    /// The most videos at once a person can ask for.
    pub const MOST_ACTIVE: u32 = 10;

    /// Whether a paid call estimated at `estimate` fits today's limit after `spent`: the one
    /// rule the queue applies (with a cent of slack, as estimates are rounded to cents).
    pub fn fits_today(&self, spent: f64, estimate: f64) -> bool {
        self.daily_limit
            .is_none_or(|limit| spent + estimate <= limit + 0.005)
    }
}

impl Default for QueueRules {
    fn default() -> Self {
        QueueRules {
            paused: false,
            max_active: Self::DEFAULT_MAX_ACTIVE,
            daily_limit: None,
        }
    }
}

const PAUSED: &str = "queue.paused";
const MAX_ACTIVE: &str = "queue.max_active";
const DAILY_LIMIT: &str = "queue.daily_limit";

/// SQL for a task that left `waiting` and that EvoLink has not finished making (or failing):
/// it holds one of its account's slots. The other videos of a call hold none of their own.
const HOLDS_A_SLOT: &str = "state IN ('uploading', 'submitting', 'queued', 'generating')
                            AND lead_id IS NULL";

/// The progress of tasks recorded together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    pub batch_id: String,
    /// The first prompt of the run.
    pub first_prompt: String,
    pub total: u32,
    pub done: u32,
    /// Ended without a video (failed, expired, outcome unknown).
    pub failed: u32,
    pub waiting: u32,
    pub active: u32,
    /// Spent so far, counted as [`Store::spent_since`] does.
    pub credits: f64,
    pub created_at: i64,
    /// When its last task ended, once every task has.
    pub finished_at: Option<i64>,
}

/// SQL for the credits a task counts for: what EvoLink charged, else reserved, else the
/// estimate; nothing for a task whose paid call was never made or was refunded (failed).
/// A paid task stopped and discarded was made all the same, so it counts.
const SPENT: &str = "CASE WHEN create_sent_at IS NULL OR lead_id IS NOT NULL
                           OR (state = 'failed' AND COALESCE(error_code, '') <> 'stopped')
                      THEN 0
                      ELSE COALESCE(credits_used, credits_reserved, estimate_credits, 0) END";

impl Store {
    pub fn queue_rules(&self) -> Result<QueueRules> {
        let default = QueueRules::default();
        let number = |key| -> Result<Option<f64>> {
            Ok(self.setting(key)?.and_then(|v| v.parse::<f64>().ok()))
        };
        Ok(QueueRules {
            paused: self.setting(PAUSED)?.as_deref() == Some("1"),
            max_active: number(MAX_ACTIVE)?
                .map(|n| (n as u32).clamp(1, QueueRules::MOST_ACTIVE))
                .unwrap_or(default.max_active),
            daily_limit: number(DAILY_LIMIT)?.filter(|n| *n >= 0.0),
        })
    }

    /// Saves the rules (values out of range are refused by the caller; this clamps).
    pub fn set_queue_rules(&self, rules: &QueueRules) -> Result<()> {
        self.set_setting(PAUSED, if rules.paused { "1" } else { "0" })?;
        self.set_setting(
            MAX_ACTIVE,
            &rules
                .max_active
                .clamp(1, QueueRules::MOST_ACTIVE)
                .to_string(),
        )?;
        match rules.daily_limit {
            Some(limit) => self.set_setting(DAILY_LIMIT, &limit.max(0.0).to_string()),
            None => {
                self.conn()
                    .execute("DELETE FROM settings WHERE key = ?1", [DAILY_LIMIT])?;
                Ok(())
            }
        }
    }

    /// Tasks waiting their turn for a paid call, in the order they will go. The other videos
    /// of a call (`lead_id`) wait for their call, not in the queue, and are left out.
    pub fn waiting(&self) -> Result<Vec<Task>> {
        let mut line = self.in_line()?;
        line.retain(|t| t.state == TaskState::Waiting);
        Ok(line)
    }

    /// Tasks in line for the queue, in its order: waiting ones, and ones still being prepared
    /// (they keep their place: a task behind them does not pass them while they get ready).
    pub fn in_line(&self) -> Result<Vec<Task>> {
        let conn = self.conn();
        let mut statement = conn.prepare(
            "SELECT * FROM tasks WHERE state IN ('preparing', 'waiting') AND lead_id IS NULL
             ORDER BY queue_order, rowid",
        )?;
        let rows = statement.query_map([], task_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Slots of `account` taken now: its tasks from the upload to the end of EvoLink's work,
    /// and tasks not yet bound to any account (they will be sent with the current key).
    pub fn slots_taken(&self, account: &str) -> Result<u32> {
        let n: i64 = self.conn().query_row(
            &format!(
                "SELECT COUNT(*) FROM tasks
                 WHERE {HOLDS_A_SLOT} AND (account IS NULL OR account = ?1)"
            ),
            [account],
            |row| row.get(0),
        )?;
        Ok(n as u32)
    }

    /// Tasks of every account past the queue and not yet made (what the queue panel counts).
    pub fn slots_taken_by_anyone(&self) -> Result<u32> {
        let n: i64 = self.conn().query_row(
            &format!("SELECT COUNT(*) FROM tasks WHERE {HOLDS_A_SLOT}"),
            [],
            |row| row.get(0),
        )?;
        Ok(n as u32)
    }

    /// Credits of the paid calls sent since `since` (Unix seconds), as [`SPENT`] counts them,
    /// and the estimates of tasks that left the queue and are about to make theirs: the
    /// spend limit holds for calls on their way too.
    pub fn spent_since(&self, since: i64) -> Result<f64> {
        Ok(self.conn().query_row(
            &format!(
                "SELECT COALESCE(SUM(CASE WHEN create_sent_at IS NULL
                                          THEN COALESCE(estimate_credits, 0)
                                          ELSE {SPENT} END), 0)
                 FROM tasks
                 WHERE create_sent_at >= ?1
                    OR (create_sent_at IS NULL AND lead_id IS NULL
                        AND state IN ('uploading', 'submitting'))"
            ),
            [since],
            |row| row.get(0),
        )?)
    }

    /// Credits spent on the tasks `ids`, counted as [`SPENT`] does (for a run's progress).
    pub fn spent_on(&self, ids: &[String]) -> Result<f64> {
        let mut total = 0.0;
        // In chunks: SQLite limits the parameters of one statement.
        for chunk in ids.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let part: f64 = self.conn().query_row(
                &format!("SELECT COALESCE(SUM({SPENT}), 0) FROM tasks WHERE id IN ({marks})"),
                rusqlite::params_from_iter(chunk),
                |row| row.get(0),
            )?;
            total += part;
        }
        Ok(total)
    }

    /// Puts `ids` (waiting tasks) first, in that order; the other waiting tasks keep their
    /// order after them. Ids of tasks that are not waiting are ignored.
    pub fn reorder_waiting(&self, ids: &[String]) -> Result<()> {
        let waiting: Vec<String> = self.waiting()?.into_iter().map(|t| t.id).collect();
        let mut order: Vec<&String> =
            ids.iter()
                .filter(|id| waiting.contains(id))
                .fold(Vec::new(), |mut seen, id| {
                    if !seen.contains(&id) {
                        seen.push(id);
                    }
                    seen
                });
        order.extend(waiting.iter().filter(|id| !ids.contains(id)));
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let base: i64 = tx.query_row(
            "SELECT COALESCE(MIN(queue_order), 0) FROM tasks WHERE state = 'waiting'",
            [],
            |row| row.get(0),
        )?;
        // Numbers below every current one, so tasks recorded meanwhile still go after.
        let start = base - order.len() as i64;
        for (i, id) in order.iter().enumerate() {
            tx.execute(
                "UPDATE tasks SET queue_order = ?2 WHERE id = ?1 AND state = 'waiting'",
                params![id, start + i as i64],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Removes a task whose paid call was certainly never made, with the other videos of its
    /// call, in one transaction: from then on nothing can send it. `None` when it may already be
    /// paid (its in-flight mark is set, or it went further), so it must be stopped instead.
    pub fn remove_unpaid(&self, id: &str) -> Result<Option<Vec<Task>>> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let task = tx
            .query_row("SELECT * FROM tasks WHERE id = ?1", [id], task_from_row)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(id.to_string()))?;
        if task.may_be_paid() || task.lead_id.is_some() {
            return Ok(None);
        }
        let mut statement = tx.prepare("SELECT * FROM tasks WHERE lead_id = ?1")?;
        let mut removed = vec![task];
        removed.extend(
            statement
                .query_map([id], task_from_row)?
                .collect::<Result<Vec<_>, _>>()?,
        );
        drop(statement);
        // The state is checked again by the delete itself: the in-flight mark is written under
        // this same lock, so either it is set and nothing is removed, or the task is gone.
        let gone = tx.execute(
            "DELETE FROM tasks WHERE id = ?1 AND create_sent_at IS NULL
               AND state IN ('preparing', 'waiting', 'uploading', 'submitting')",
            [id],
        )?;
        if gone == 0 {
            return Ok(None);
        }
        tx.execute("DELETE FROM tasks WHERE lead_id = ?1", [id])?;
        tx.commit()?;
        Ok(Some(removed))
    }

    /// Marks an active task as stopped by the person.
    pub fn set_stopped(&self, id: &str, stopped: Stopped) -> Result<Task> {
        let changed = self.conn().execute(
            "UPDATE tasks SET stopped = ?2, updated_at = ?3
             WHERE id = ?1 AND state NOT IN ('done', 'failed', 'outcome_unknown', 'expired')",
            params![id, stopped.as_str(), now()],
        )?;
        if changed == 0 {
            return Err(self.wrong_state(id, TaskState::Generating));
        }
        self.get(id)
    }

    /// The other videos of `id`'s paid call.
    pub fn followers(&self, id: &str) -> Result<Vec<Task>> {
        let conn = self.conn();
        let mut statement =
            conn.prepare("SELECT * FROM tasks WHERE lead_id = ?1 ORDER BY take, rowid")?;
        let rows = statement.query_map([id], task_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Runs with work left, and those that ended since `since`, newest first.
    pub fn runs(&self, since: i64) -> Result<Vec<Run>> {
        let conn = self.conn();
        let mut statement = conn.prepare(&format!(
            "SELECT batch_id,
                    (SELECT prompt FROM tasks f WHERE f.batch_id = t.batch_id
                     ORDER BY queue_order, rowid LIMIT 1),
                    COUNT(*),
                    SUM(state = 'done'),
                    SUM(state IN ('failed', 'expired', 'outcome_unknown')),
                    SUM(state IN ('preparing', 'waiting')),
                    SUM(state IN ('uploading', 'submitting', 'queued', 'generating', 'downloading')),
                    COALESCE(SUM({SPENT}), 0),
                    MIN(created_at),
                    MAX(finished_at)
             FROM tasks t WHERE batch_id IS NOT NULL
             GROUP BY batch_id
             HAVING SUM(state IN ('preparing', 'waiting', 'uploading', 'submitting', 'queued',
                                  'generating', 'downloading')) > 0
                 OR MAX(finished_at) >= ?1
             ORDER BY MIN(created_at) DESC, MIN(rowid) DESC"
        ))?;
        let rows = statement.query_map([since], |row| {
            let count = |i| row.get::<_, i64>(i).map(|n| n as u32);
            let (waiting, active) = (count(5)?, count(6)?);
            Ok(Run {
                batch_id: row.get(0)?,
                first_prompt: row.get(1)?,
                total: count(2)?,
                done: count(3)?,
                failed: count(4)?,
                waiting,
                active,
                credits: row.get(7)?,
                created_at: row.get(8)?,
                finished_at: if waiting + active == 0 {
                    row.get(9)?
                } else {
                    None
                },
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
