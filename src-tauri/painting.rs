//! How the webview paints on Linux when the machine has no GPU for it.
//!
//! WebKitGTK paints the page with Skia on the GPU, through OpenGL. Without a GPU (a virtual
//! machine, a remote desktop, a server's virtual display) Mesa answers with llvmpipe, which
//! emulates the GPU on the CPU: every shader is compiled by LLVM first, and every painted tile
//! is drawn by that emulation. Skia's own CPU painting draws the same pixels directly. Measured
//! on such a machine (docs/BENCHMARKS.md, "Painting without a GPU"): the web process is lighter
//! and the gallery paints sooner. With a GPU, WebKit is left to its defaults.

use std::path::Path;

/// WebKit's switch for Skia's CPU painting (read by the web process when it starts).
const CPU_PAINTING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

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

/// The environment the web process should get: Skia's CPU painting when there is no GPU,
/// unless the person already chose either way (their value is kept).
pub fn settings(graphics: Graphics, already_set: bool) -> Option<(&'static str, &'static str)> {
    (graphics.software_only() && !already_set).then_some((CPU_PAINTING, "1"))
}

/// Applies [`settings`] to this process, which the web process inherits. Must run before any
/// other thread starts (the environment is not safe to change while another thread reads it)
/// and before the webview's processes are spawned. Returns what it found, for the log.
pub fn choose() -> Graphics {
    let graphics = Graphics::detect();
    let already_set = std::env::var_os(CPU_PAINTING).is_some();
    if let Some((name, value)) = settings(graphics, already_set) {
        std::env::set_var(name, value);
    }
    graphics
}

/// The log's line about it, so a report says how the page was painted.
pub fn describe(graphics: Graphics) -> String {
    let found = if graphics.software_only() {
        "no GPU found"
    } else {
        "a GPU found"
    };
    let chosen = std::env::var(CPU_PAINTING).unwrap_or_else(|_| "unset".into());
    format!("webview painting: {found}; {CPU_PAINTING}={chosen}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const GPU: Graphics = Graphics {
        render_node: true,
        nvidia: false,
        software_asked: false,
    };

    #[test]
    fn without_a_gpu_skia_paints_on_the_cpu() {
        let none = Graphics {
            render_node: false,
            ..GPU
        };
        assert_eq!(settings(none, false), Some((CPU_PAINTING, "1")));
    }

    #[test]
    fn a_gpu_leaves_webkit_alone() {
        assert_eq!(settings(GPU, false), None);
        let nvidia = Graphics {
            render_node: false,
            nvidia: true,
            ..GPU
        };
        assert_eq!(settings(nvidia, false), None);
    }

    #[test]
    fn software_gl_asked_for_counts_as_no_gpu() {
        assert_eq!(
            settings(
                Graphics {
                    software_asked: true,
                    ..GPU
                },
                false
            ),
            Some((CPU_PAINTING, "1"))
        );
    }

    #[test]
    fn the_persons_own_choice_is_kept() {
        let none = Graphics {
            render_node: false,
            ..GPU
        };
        assert_eq!(settings(none, true), None);
    }
}
