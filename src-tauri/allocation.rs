//! How WebKit's processes hand memory back on Linux.
//!
//! The page's web process plays videos through GStreamer, whose threads allocate with the
//! system's allocator (glibc). By default glibc gives each new thread an arena of its own (up to
//! eight per core) and, once a large block has been freed, serves blocks of that size from those
//! arenas instead of from their own mappings; memory freed there mostly stays with the process.
//! Measured over the big-library walk (docs/BENCHMARKS.md, "What the webview keeps"), the web
//! process kept tens of MiB more after twenty videos were opened and closed. So WebKit's
//! processes get two arenas, and blocks from 128 KiB up (video frames, decoded pictures) in
//! mappings of their own, which go back to the system the moment they are freed.

/// glibc's switches, read by each process when it starts: WebKit's processes inherit them
/// from the app (the app's own allocator has started already and is not changed).
const SETTINGS: [(&str, &str); 2] = [
    ("MALLOC_ARENA_MAX", "2"),
    ("MALLOC_MMAP_THRESHOLD_", "131072"),
];

/// The environment WebKit should get, but for any switch the person already set (`is_set` says;
/// their value is kept).
pub fn settings(is_set: impl Fn(&str) -> bool) -> Vec<(&'static str, &'static str)> {
    SETTINGS
        .into_iter()
        .filter(|(name, _)| !is_set(name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webkit_gets_two_arenas_and_large_blocks_in_their_own_mappings() {
        assert_eq!(
            settings(|_| false),
            [
                ("MALLOC_ARENA_MAX", "2"),
                ("MALLOC_MMAP_THRESHOLD_", "131072")
            ]
        );
    }

    #[test]
    fn the_persons_own_choice_is_kept() {
        assert_eq!(
            settings(|name| name == "MALLOC_ARENA_MAX"),
            [("MALLOC_MMAP_THRESHOLD_", "131072")]
        );
        assert_eq!(settings(|_| true), []);
    }
}
