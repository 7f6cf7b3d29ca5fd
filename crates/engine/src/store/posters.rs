//! The stills of saved videos (the posters their cards show): which videos still need one,
//! and what became of each.

use rusqlite::params;

use super::{task_from_row, PosterSize, Result, Store, StoreError, Task};

impl Store {
    /// Saved videos that have neither a still nor a reason why none can be made, the most
    /// recently finished first (they are the ones on screen), at most `limit`.
    pub fn needing_posters(&self, limit: u32) -> Result<Vec<Task>> {
        let conn = self.conn();
        let mut statement = conn.prepare(
            "SELECT * FROM tasks
             WHERE state = 'done' AND poster_width IS NULL AND poster_error IS NULL
               AND video_path IS NOT NULL
             ORDER BY finished_at DESC, rowid DESC LIMIT ?1",
        )?;
        let tasks = statement
            .query_map([limit], task_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(tasks)
    }

    /// Records the still made of a task's video (`Ok`: its size) or why none can be (`Err`:
    /// a code). A task deleted meanwhile is [`StoreError::NotFound`].
    pub fn set_poster(
        &self,
        id: &str,
        made: std::result::Result<PosterSize, &str>,
    ) -> Result<Task> {
        let (width, height, error) = match made {
            Ok(size) => (Some(size.width), Some(size.height), None),
            Err(code) => (None, None, Some(code)),
        };
        let changed = self.conn().execute(
            "UPDATE tasks SET poster_width = ?2, poster_height = ?3, poster_error = ?4
             WHERE id = ?1",
            params![id, width, height, error],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound(id.to_string()));
        }
        self.get(id)
    }
}

impl Store {
    /// Forgets why no still was made of videos whose reason is one of `codes`, so they are
    /// tried again.
    pub fn clear_poster_errors(&self, codes: &[&str]) -> Result<usize> {
        let placeholders = vec!["?"; codes.len()].join(", ");
        let changed = self.conn().execute(
            &format!("UPDATE tasks SET poster_error = NULL WHERE poster_error IN ({placeholders})"),
            rusqlite::params_from_iter(codes),
        )?;
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::TaskState;
    use crate::store::{NewTask, Patch};
    use evolink::models::Choices;

    fn done(store: &Store, id: &str, finished_at: i64) {
        store
            .insert(&NewTask::with_defaults(
                id,
                "sora-2-preview",
                id,
                &Choices::default(),
            ))
            .unwrap();
        let path = [
            TaskState::Preparing,
            TaskState::Waiting,
            TaskState::Submitting,
            TaskState::Queued,
            TaskState::Generating,
            TaskState::Downloading,
        ];
        for pair in path.windows(2) {
            store
                .advance(id, pair[0], pair[1], &Patch::default())
                .unwrap();
        }
        let patch = Patch {
            video: Some((format!("/videos/{id}.mp4"), 10, "sha".into())),
            ..Patch::default()
        };
        store
            .advance(id, TaskState::Downloading, TaskState::Done, &patch)
            .unwrap();
        store
            .conn()
            .execute(
                "UPDATE tasks SET finished_at = ?2 WHERE id = ?1",
                params![id, finished_at],
            )
            .unwrap();
    }

    #[test]
    fn saved_videos_need_a_still_until_one_is_made_or_refused_newest_first() {
        let store = Store::in_memory().unwrap();
        done(&store, "old", 100);
        done(&store, "new", 300);
        done(&store, "mid", 200);
        store
            .insert(&NewTask::with_defaults(
                "busy",
                "sora-2-preview",
                "busy",
                &Choices::default(),
            ))
            .unwrap();
        let ids = |tasks: Vec<Task>| tasks.into_iter().map(|t| t.id).collect::<Vec<_>>();
        assert_eq!(
            ids(store.needing_posters(10).unwrap()),
            ["new", "mid", "old"]
        );
        assert_eq!(ids(store.needing_posters(1).unwrap()), ["new"]);

        let made = store
            .set_poster(
                "new",
                Ok(PosterSize {
                    width: 640,
                    height: 360,
                }),
            )
            .unwrap();
        assert_eq!(
            made.poster,
            Some(PosterSize {
                width: 640,
                height: 360
            })
        );
        let refused = store.set_poster("mid", Err("video_unsupported")).unwrap();
        assert_eq!(refused.poster, None);
        assert_eq!(refused.poster_error.as_deref(), Some("video_unsupported"));
        assert_eq!(ids(store.needing_posters(10).unwrap()), ["old"]);

        assert!(matches!(
            store.set_poster("gone", Err("video_unreadable")),
            Err(StoreError::NotFound(_))
        ));

        store.set_poster("old", Err("video_unreadable")).unwrap();
        assert!(store.needing_posters(10).unwrap().is_empty());
        assert_eq!(store.clear_poster_errors(&["video_unreadable"]).unwrap(), 1);
        assert_eq!(
            ids(store.needing_posters(10).unwrap()),
            ["old"],
            "tried again"
        );
        assert_eq!(
            store.get("mid").unwrap().poster_error.as_deref(),
            Some("video_unsupported"),
            "a final reason stays"
        );
    }
}
