//! When Sora Desk looks for a newer version of itself without being asked: at most once a day,
//! and never once the person turned it off in Settings. Looking, downloading and installing
//! (Tauri's updater, signed packages) are the desktop shell's; this decides when, from what
//! the home store remembers, so the rule is the same however often the page asks.

use sora_engine::Store;

use crate::settings::stored;
use crate::Problem;

/// `"off"` turns the automatic check off; absent or anything else leaves it on.
pub const KEY_AUTO_CHECK: &str = "update_check";
/// When updates were last looked for (seconds since the epoch), asked for or not.
const KEY_LAST_CHECK: &str = "update_checked_at";
/// At most one automatic check per this many seconds.
pub const CHECK_EVERY_SECONDS: i64 = 24 * 60 * 60;

pub fn auto_check(store: &Store) -> bool {
    stored(store, KEY_AUTO_CHECK).as_deref() != Some("off")
}

/// Whether an automatic check may run at `now` (seconds since the epoch). A last check in the
/// future (the clock was set back) does not silence checks until that date comes.
pub fn due(store: &Store, now: i64) -> bool {
    if !auto_check(store) {
        return false;
    }
    let last = stored(store, KEY_LAST_CHECK).and_then(|t| t.parse::<i64>().ok());
    match last {
        Some(last) => now < last || now - last >= CHECK_EVERY_SECONDS,
        None => true,
    }
}

/// Remembers that updates were looked for at `now`, whatever the answer was.
pub fn record_check(store: &Store, now: i64) -> Result<(), Problem> {
    store.set_setting(KEY_LAST_CHECK, &now.to_string())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        (dir, store)
    }

    #[test]
    fn the_first_check_is_due_then_not_again_for_a_day() {
        let (_dir, store) = store();
        let now = 1_800_000_000;
        assert!(due(&store, now));
        record_check(&store, now).unwrap();
        assert!(!due(&store, now + 1));
        assert!(!due(&store, now + CHECK_EVERY_SECONDS - 1));
        assert!(due(&store, now + CHECK_EVERY_SECONDS));
    }

    #[test]
    fn a_clock_set_back_does_not_silence_checks() {
        let (_dir, store) = store();
        record_check(&store, 1_800_000_000).unwrap();
        assert!(due(&store, 1_700_000_000));
    }

    #[test]
    fn turned_off_no_check_is_ever_due() {
        let (_dir, store) = store();
        store.set_setting(KEY_AUTO_CHECK, "off").unwrap();
        assert!(!auto_check(&store));
        assert!(!due(&store, 1_800_000_000));
        store.set_setting(KEY_AUTO_CHECK, "on").unwrap();
        assert!(due(&store, 1_800_000_000));
    }
}
