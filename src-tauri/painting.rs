//! How the webview paints on Linux when the machine has no GPU for it.
//!
//! By default WebKitGTK paints the page with Skia through OpenGL into layers, and puts the
//! layers together (compositing) through OpenGL too. Without a GPU (a virtual machine, a remote
//! desktop, a server's virtual display) Mesa answers with llvmpipe, which emulates a GPU on the
//! CPU: every shader is compiled by LLVM first, every layer is kept as an emulated texture, and
//! every frame is drawn by that emulation. Then the app asks WebKit to paint the page on the CPU
//! into one surface, as it does when a GPU is not used at all: the same pixels without the
//! emulation. Measured on such a machine (docs/BENCHMARKS.md, "Painting without a GPU"): the web
//! process is far lighter, and the gallery paints sooner. With a GPU, WebKit keeps its
//! defaults. What is lost without compositing: the blur behind an open dialog (its dimmed
//! backdrop stays).

use std::path::Path;

/// WebKit's switches (read by its processes when they start), each set to "1" without a GPU:
/// no compositing (the page painted into one surface), and Skia's CPU painting, so that what
/// WebKit would still draw with OpenGL without compositing (accelerated image buffers, such as
/// a canvas) is drawn on the CPU too.
const WITHOUT_GPU: [&str; 2] = [
    "WEBKIT_DISABLE_COMPOSITING_MODE",
    "WEBKIT_SKIA_ENABLE_CPU_RENDERING",
];

/// What the machine offers the webview's OpenGL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Graphics {
    /// A DRM render node (`/dev/dri/renderD*`): what Mesa's GPU drivers draw through.
    pub render_node: bool,
    /// NVIDIA's own driver, which draws through its own devices instead.
    pub nvidia: bool,
    /// `LIBGL_ALWAYS_SOFTWARE` asks Mesa for its software renderer even with a GPU.
    pub software_asked: bool,
}

impl Graphics {
    /// Looks at this machine's devices and environment.
    pub fn detect() -> Self {
        let render_node = std::fs::read_dir("/dev/dri").is_ok_and(|entries| {
            entries
                .flatten()
                .any(|entry| entry.file_name().to_string_lossy().starts_with("renderD"))
        });
        Graphics {
            render_node,
            nvidia: Path::new("/dev/nvidiactl").exists(),
            // Read as Mesa reads it.
            software_asked: std::env::var("LIBGL_ALWAYS_SOFTWARE").is_ok_and(|value| {
                matches!(
                    value.to_ascii_lowercase().as_str(),
                    "1" | "true" | "y" | "yes"
                )
            }),
        }
    }

    /// Whether OpenGL here would be Mesa's emulation of a GPU on the CPU.
    pub fn software_only(self) -> bool {
        self.software_asked || !(self.render_node || self.nvidia)
    }
}

/// The environment WebKit should get: its switches without a GPU, each unless the person already
/// set it either way (`is_set` says; their value is kept).
pub fn settings(
    graphics: Graphics,
    is_set: impl Fn(&str) -> bool,
) -> Vec<(&'static str, &'static str)> {
    if !graphics.software_only() {
        return Vec::new();
    }
    WITHOUT_GPU
        .into_iter()
        .filter(|name| !is_set(name))
        .map(|name| (name, "1"))
        .collect()
}

/// The log's line about it, so a report says how the page was painted.
pub fn describe(graphics: Graphics) -> String {
    let found = if graphics.software_only() {
        "no GPU found"
    } else {
        "a GPU found"
    };
    let chosen: Vec<String> = WITHOUT_GPU
        .iter()
        .map(|name| {
            format!(
                "{name}={}",
                std::env::var(name).unwrap_or_else(|_| "unset".into())
            )
        })
        .collect();
    format!("webview painting: {found}; {}", chosen.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GPU: Graphics = Graphics {
        render_node: true,
        nvidia: false,
        software_asked: false,
    };
    const NO_GPU: Graphics = Graphics {
        render_node: false,
        ..GPU
    };
    const BOTH: [(&str, &str); 2] = [
        ("WEBKIT_DISABLE_COMPOSITING_MODE", "1"),
        ("WEBKIT_SKIA_ENABLE_CPU_RENDERING", "1"),
    ];

    #[test]
    fn without_a_gpu_the_page_is_painted_on_the_cpu_without_compositing() {
        assert_eq!(settings(NO_GPU, |_| false), BOTH);
    }

    #[test]
    fn a_gpu_leaves_webkit_alone() {
        assert_eq!(settings(GPU, |_| false), []);
        let nvidia = Graphics {
            nvidia: true,
            ..NO_GPU
        };
        assert_eq!(settings(nvidia, |_| false), []);
    }

    #[test]
    fn software_gl_asked_for_counts_as_no_gpu() {
        let asked = Graphics {
            software_asked: true,
            ..GPU
        };
        assert_eq!(settings(asked, |_| false), BOTH);
    }

    #[test]
    fn the_persons_own_choice_is_kept() {
        let set_before = |name: &str| name == "WEBKIT_DISABLE_COMPOSITING_MODE";
        assert_eq!(settings(NO_GPU, set_before), [BOTH[1]]);
        assert_eq!(settings(NO_GPU, |_| true), []);
    }
}
