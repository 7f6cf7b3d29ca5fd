//! The clips the fake serves as finished videos, and which one answers a task: the scene is
//! chosen by the prompt's words, the clip by the shape of the video asked for.
//!
//! [`SCENES`] is the one table of which words ask for which scene; the README shows it. The
//! clips are made by `scripts/make-sample-videos.sh`, every pixel from ffmpeg's own generators.

use std::fmt;

/// The shape of a result video.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Landscape,
    Portrait,
    Square,
}

impl Shape {
    /// The shape an aspect ratio (or size) asks for. `auto` and `adaptive` say nothing (the
    /// caller then looks at the picture); nor does a missing one: both are landscape here.
    pub(crate) fn of_aspect(aspect: &str) -> Shape {
        match aspect {
            "9:16" | "720x1280" | "3:4" | "2:3" => Shape::Portrait,
            "1:1" => Shape::Square,
            _ => Shape::Landscape,
        }
    }

    /// The shape of a picture, where the picture decides the video's.
    pub(crate) fn of_picture(width: u32, height: u32) -> Shape {
        match width.cmp(&height) {
            std::cmp::Ordering::Less => Shape::Portrait,
            std::cmp::Ordering::Equal => Shape::Square,
            std::cmp::Ordering::Greater => Shape::Landscape,
        }
    }
}

/// One MP4 of `assets/`.
pub(crate) struct Clip {
    pub file: &'static str,
    pub bytes: &'static [u8],
}

impl fmt::Debug for Clip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.file)
    }
}

/// One scene in the three shapes, and the prompt words that ask for it.
pub(crate) struct Scene {
    /// What the clips show, for people: the README says it, its test reads it.
    #[cfg_attr(not(test), allow(dead_code))]
    pub shows: &'static str,
    /// Whole words, lower case, matched against the prompt's words in any case.
    pub words: &'static [&'static str],
    pub landscape: Clip,
    pub portrait: Clip,
    pub square: Clip,
}

impl Scene {
    pub(crate) fn clip(&self, shape: Shape) -> &Clip {
        match shape {
            Shape::Landscape => &self.landscape,
            Shape::Portrait => &self.portrait,
            Shape::Square => &self.square,
        }
    }
}

macro_rules! clip {
    ($file:literal) => {
        Clip {
            file: $file,
            bytes: include_bytes!(concat!("../assets/", $file)),
        }
    };
}

/// The scene of a prompt without any word of [`SCENES`]. Its landscape and portrait clips keep
/// the names tests elsewhere compare downloads with.
pub(crate) const DEFAULT: Scene = Scene {
    shows: "slow flowing ribbons of colour",
    words: &[],
    landscape: clip!("landscape.mp4"),
    portrait: clip!("portrait.mp4"),
    square: clip!("square.mp4"),
};

/// Which words ask for which scene. Words that the prompts of tests comparing downloads with
/// the default clips use (beach, waves, night, street, fog, dusk...) are left out on purpose.
#[rustfmt::skip]
pub(crate) const SCENES: &[Scene] = &[
    Scene {
        shows: "the sun setting over a calm sea, light on the waves",
        words: &[
            "sea", "seas", "ocean", "oceans", "seaside", "coast", "shore", "sunset", "sunsets",
            "sunrise",
        ],
        landscape: clip!("sea-landscape.mp4"),
        portrait: clip!("sea-portrait.mp4"),
        square: clip!("sea-square.mp4"),
    },
    Scene {
        shows: "an aurora over dark hills under the stars",
        words: &[
            "star", "stars", "starry", "starlight", "aurora", "galaxy", "galaxies", "cosmos",
            "space", "nebula",
        ],
        landscape: clip!("night-landscape.mp4"),
        portrait: clip!("night-portrait.mp4"),
        square: clip!("night-square.mp4"),
    },
    Scene {
        shows: "warm out-of-focus city lights drifting past",
        words: &[
            "city", "cities", "neon", "downtown", "traffic", "urban", "metropolis", "bokeh",
        ],
        landscape: clip!("city-landscape.mp4"),
        portrait: clip!("city-portrait.mp4"),
        square: clip!("city-square.mp4"),
    },
    Scene {
        shows: "rays of light through a misty forest",
        words: &[
            "forest", "forests", "woods", "woodland", "tree", "trees", "jungle", "mist", "misty",
        ],
        landscape: clip!("forest-landscape.mp4"),
        portrait: clip!("forest-portrait.mp4"),
        square: clip!("forest-square.mp4"),
    },
];

/// The scene of a prompt: that of its first word found in [`SCENES`] (words are runs of
/// letters and digits, compared in lower case), else [`DEFAULT`].
pub(crate) fn scene(prompt: &str) -> &'static Scene {
    prompt
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .find_map(|word| {
            let word = word.to_lowercase();
            SCENES.iter().find(|s| s.words.contains(&word.as_str()))
        })
        .unwrap_or(&DEFAULT)
}

/// The clip that answers a task with this prompt, in this shape.
pub(crate) fn choose(prompt: &str, shape: Shape) -> &'static Clip {
    scene(prompt).clip(shape)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> impl Iterator<Item = &'static Scene> {
        std::iter::once(&DEFAULT).chain(SCENES.iter())
    }

    #[test]
    fn words_are_whole_lower_case_words_of_one_scene_each() {
        let mut seen = std::collections::BTreeSet::new();
        for s in SCENES {
            assert!(!s.words.is_empty(), "{}", s.shows);
            for w in s.words {
                assert!(
                    !w.is_empty() && w.chars().all(|c| c.is_alphanumeric() && !c.is_uppercase()),
                    "{w:?}"
                );
                assert!(seen.insert(*w), "{w:?} is listed twice");
            }
        }
    }

    #[test]
    fn every_clip_is_its_own_mp4() {
        let mut files = std::collections::BTreeSet::new();
        let mut bytes = std::collections::BTreeSet::new();
        for s in all() {
            for shape in [Shape::Landscape, Shape::Portrait, Shape::Square] {
                let c = s.clip(shape);
                assert_eq!(&c.bytes[4..8], b"ftyp", "{c:?}");
                assert!(files.insert(c.file), "{c:?}");
                assert!(bytes.insert(c.bytes), "{c:?} is the same video as another");
            }
        }
        assert_eq!(files.len(), 3 * (SCENES.len() + 1));
    }

    #[test]
    fn the_first_scene_word_of_the_prompt_decides() {
        use Shape::*;
        #[rustfmt::skip]
        let cases = [
            ("Sunset over a calm sea", Landscape, "sea-landscape.mp4"),
            ("THE OCEAN, at last!", Portrait, "sea-portrait.mp4"),
            ("A starry sky", Square, "night-square.mp4"),
            ("Stars over the city", Landscape, "night-landscape.mp4"),
            ("City lights under the stars", Landscape, "city-landscape.mp4"),
            ("neon-lit alleys", Portrait, "city-portrait.mp4"),
            ("Morning mist in the woods", Square, "forest-square.mp4"),
            // Words, not parts of words.
            ("A seashell and a starfish", Landscape, "landscape.mp4"),
            ("Treetops", Portrait, "portrait.mp4"),
            ("", Square, "square.mp4"),
        ];
        for (prompt, shape, file) in cases {
            assert_eq!(choose(prompt, shape).file, file, "{prompt:?}, {shape:?}");
        }
    }

    #[test]
    fn shapes_follow_the_aspect_or_the_picture() {
        for (aspect, shape) in [
            ("16:9", Shape::Landscape),
            ("1280x720", Shape::Landscape),
            ("21:9", Shape::Landscape),
            ("4:3", Shape::Landscape),
            ("3:2", Shape::Landscape),
            ("", Shape::Landscape),
            ("auto", Shape::Landscape),
            ("9:16", Shape::Portrait),
            ("720x1280", Shape::Portrait),
            ("3:4", Shape::Portrait),
            ("2:3", Shape::Portrait),
            ("1:1", Shape::Square),
        ] {
            assert_eq!(Shape::of_aspect(aspect), shape, "{aspect}");
        }
        assert_eq!(Shape::of_picture(1600, 1200), Shape::Landscape);
        assert_eq!(Shape::of_picture(720, 1280), Shape::Portrait);
        assert_eq!(Shape::of_picture(1024, 1024), Shape::Square);
    }

    /// The README's table says what this one says.
    #[test]
    fn the_readme_shows_the_table() {
        let readme = include_str!("../README.md");
        for s in all() {
            let row = readme
                .lines()
                .find(|l| l.starts_with('|') && l.contains(&format!("`{}`", s.landscape.file)))
                .unwrap_or_else(|| panic!("no README row for {}", s.landscape.file));
            for c in [&s.portrait, &s.square] {
                assert!(row.contains(&format!("`{}`", c.file)), "{row}");
            }
            assert!(row.contains(s.shows), "{row}");
            let words = s.words.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>();
            let words = if words.is_empty() {
                "none".to_string()
            } else {
                words.join(", ")
            };
            assert!(row.contains(&words), "{row} should list {words}");
        }
    }
}
