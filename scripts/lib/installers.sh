# shellcheck shell=bash
# Layer 6 of scripts/test-all: the Linux installers, as people get them. Sourced after setup.sh.
#
# Builds the release .deb and .rpm (the .deb recompressed with xz, as releases are:
# scripts/xz-deb), installs the .deb with apt like a person would, opens the
# installed /usr/bin/sora-desk in a real window (the app tests of layer 5, against the installed
# binary, with HOME and the app's folders in temporary directories), lets it update itself to a
# newer build, then removes the package and checks that nothing it installed is left. Prints the
# sizes; it never fails on a size.
#
# The update: these builds trust a signing key made for these tests and ask an update server on
# loopback (UPDATE_PORT), through `tauri build --config`; tauri.conf.json's own key and empty
# address are what ships. The newer version is the same build bundled again with the patch
# number raised (`tauri bundle`, no second release compilation: what the updater does, finding,
# checking the signature, installing with the package manager and restarting, does not depend on
# the program inside), signed as the release workflow signs (`tauri signer sign --app-version`).

DEB_SIZE_TARGET=10000000 # bytes: a .deb of at most 10 MB
UPDATE_PORT=47613        # where the installer builds look for updates (tests/installed/update.test.mjs)

# Starts the release build and its bundles in the background, so that it compiles while the
# layers before this one leave CPU unused (the release build is some ten minutes of a layer
# otherwise). It only gets the CPU and disk the others leave (the idle scheduling classes: a
# lower `nice` still took a share from the tests). installers_test waits for it; started again
# there if it was not. It takes its own process group, for the EXIT trap to stop it whole.
start_installers_build() {
  INSTALLERS_KEYS=$(mktemp -d)
  INSTALLERS_OVERLAY=$(update_test_config "$INSTALLERS_KEYS") || return 1
  INSTALLERS_LOG="$INSTALLERS_KEYS/build.log"
  INSTALLERS_STARTED=$SECONDS
  # Built as the release workflow builds it: by rustc alone, without the lints' wrapper.
  env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS setsid chrt --idle 0 ionice -c 3 node_modules/.bin/tauri build --bundles deb,rpm --ci --config "$INSTALLERS_OVERLAY" \
    >"$INSTALLERS_LOG" 2>&1 &
  INSTALLERS_BUILD=$!
  trap 'kill -- "-$INSTALLERS_BUILD" 2>/dev/null || true' EXIT
}

installers_test() {
  local version bundle deb rpm keys overlay waited=$SECONDS built=0
  [ -n "${INSTALLERS_BUILD:-}" ] || start_installers_build || return 1
  keys=$INSTALLERS_KEYS
  overlay=$INSTALLERS_OVERLAY
  wait "$INSTALLERS_BUILD" || built=$?
  cat "$INSTALLERS_LOG"
  [ "$built" -eq 0 ] || return 1
  say "Release build and bundles: done $((SECONDS - INSTALLERS_STARTED)) s after they started, $((SECONDS - waited)) s of it waited for here"
  version=$(node -p "require('./tauri.conf.json').version")
  bundle="$CARGO_TARGET_DIR/release/bundle"
  deb=$(find "$bundle/deb" -maxdepth 1 -name "*_${version}_*.deb" | head -n1)
  rpm=$(find "$bundle/rpm" -maxdepth 1 -name "*-${version}-*.rpm" | head -n1)
  if [ ! -f "$deb" ] || [ ! -f "$rpm" ]; then
    echo "no .deb or .rpm for version $version in $bundle" >&2
    return 1
  fi
  scripts/xz-deb "$deb" || return 1
  check_package_depends "$deb" "$rpm" || return 1

  if dpkg -s sora-desk >/dev/null 2>&1; then
    say "Sora Desk is installed on this machine: the test replaces it and removes it afterwards"
  fi
  say "Installing $(basename "$deb")"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >/dev/null || return 1
  local files=() path desktop rc=0
  # What the package put on the system (files and links, not the shared folders they sit in).
  while read -r path; do
    [ -d "$path" ] || files+=("$path")
  done < <(dpkg -L sora-desk)
  printf '  %s\n' "${files[@]}"
  [ -x /usr/bin/sora-desk ] || { echo "/usr/bin/sora-desk is missing" >&2; rc=1; }
  desktop=$(printf '%s\n' "${files[@]}" | grep '^/usr/share/applications/.*\.desktop$' || true)
  grep -qx 'Exec=sora-desk' "${desktop:-/dev/null}" ||
    { echo "no .desktop file that starts sora-desk: ${desktop:-none}" >&2; rc=1; }

  # The shell test (window, CSP, painted screen) proves the installed app opens; the longer
  # journeys already ran against the same code in layer 5.
  say "Opening the installed app under Xvfb"
  test_installed_app tests/app/shell.test.mjs || rc=1
  print_installer_sizes "$deb" "$rpm" /usr/bin/sora-desk

  update_installed "$version" "$keys" "$overlay" "$bundle" || rc=1
  rm -rf "$keys"

  say "Removing the package"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq sora-desk >/dev/null || return 1
  if dpkg -s sora-desk >/dev/null 2>&1; then
    echo "dpkg still knows sora-desk after removal:" >&2
    dpkg -s sora-desk | grep '^Status' >&2
    rc=1
  fi
  local left=()
  for path in "${files[@]}"; do
    if [ -e "$path" ] || [ -L "$path" ]; then left+=("$path"); fi
  done
  if [ ${#left[@]} -gt 0 ]; then
    echo "left behind after removal:" >&2
    printf '  %s\n' "${left[@]}" >&2
    rc=1
  else
    say "Removed cleanly: none of the package's ${#files[@]} files is left"
  fi
  return $rc
}

# Runs app test files against the installed /usr/bin/sora-desk, screenshots under installed/.
test_installed_app() {
  mkdir -p "$SCREENSHOT_DIR/installed"
  SORA_DESK_BIN=/usr/bin/sora-desk SCREENSHOT_DIR="$SCREENSHOT_DIR/installed" \
    TAURI_DRIVER="$(command -v tauri-driver)" \
    with_desktop node --test --test-concurrency=1 "$@"
}

# The tests' signing key pair, copied into $1, and the configuration that makes a build trust it
# and ask http://127.0.0.1:UPDATE_PORT for updates. Prints the configuration file's path.
update_test_config() {
  local keys=$1 kept="$CARGO_TARGET_DIR/update-test-key"
  # Made once and kept with the build cache: the key is part of the build's configuration, and
  # a new one each run made cargo compile the release app again (some ten minutes, behind the
  # browser and app tests).
  if [ ! -s "$kept/update.key" ] || [ ! -s "$kept/update.key.pub" ]; then
    rm -rf "$kept" && mkdir -p "$kept" &&
      node_modules/.bin/tauri signer generate --ci -p "" -w "$kept/update.key" >/dev/null || return 1
  fi
  cp "$kept/update.key" "$kept/update.key.pub" "$keys/" || return 1
  PUBKEY=$(cat "$keys/update.key.pub") PORT=$UPDATE_PORT node -e '
    const updater = {
      pubkey: process.env.PUBKEY,
      endpoints: [`http://127.0.0.1:${process.env.PORT}/latest.json`],
      dangerousInsecureTransportProtocol: true,
    };
    process.stdout.write(JSON.stringify({ plugins: { updater } }));
  ' >"$keys/updater.json" || return 1
  echo "$keys/updater.json"
}

# Bundles the release build again as the next patch version's .deb, signs it, and lets the
# installed app find it, install it (the updater's own way: pkexec, else sudo; as root here,
# sudo) and restart into it.
update_installed() {
  local version=$1 keys=$2 overlay=$3 bundle=$4 newer newer_deb start=$SECONDS
  newer=$(node -p "const [a, b, c] = process.argv[1].split('.').map(Number); [a, b, c + 1].join('.')" "$version")
  say "Packaging version $newer, for the installed $version to update to"
  node_modules/.bin/tauri bundle --bundles deb --ci --config "$overlay" --config "{\"version\":\"$newer\"}" || return 1
  newer_deb=$(find "$bundle/deb" -maxdepth 1 -name "*_${newer}_*.deb" | head -n1)
  [ -f "$newer_deb" ] || { echo "no .deb for version $newer in $bundle/deb" >&2; return 1; }
  scripts/xz-deb "$newer_deb" || return 1
  node_modules/.bin/tauri signer sign -f "$keys/update.key" -p "" --app-version "$newer" "$newer_deb" >/dev/null || return 1
  mkdir -p "$keys/served"
  mv "$newer_deb" "$newer_deb.sig" "$keys/served/"
  node scripts/update-manifest.mjs "$keys/served" "http://127.0.0.1:$UPDATE_PORT/" "$newer" >"$keys/served/latest.json" || return 1
  say "Packaged and signed in $((SECONDS - start)) s; the installed app updates itself"
  UPDATE_PORT=$UPDATE_PORT UPDATE_DIR="$keys/served" UPDATE_VERSION="$newer" \
    test_installed_app tests/installed/update.test.mjs || return 1
  say "Installed now: sora-desk $(dpkg-query -W -f '${Version}' sora-desk)"
}

# The packages ask for the GStreamer plugins WebKitGTK needs to play the videos.
check_package_depends() {
  local deb=$1 rpm=$2 depends requires pkg rc=0
  depends=$(dpkg-deb -f "$deb" Depends)
  requires=$(rpm -qp --requires "$rpm" 2>/dev/null)
  echo "  .deb Depends: $depends"
  echo "  .rpm Requires: $(echo "$requires" | grep -v '^rpmlib(' | paste -sd, -)"
  for pkg in gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav; do
    grep -qw -- "$pkg" <<<"$depends" || { echo "the .deb does not depend on $pkg" >&2; rc=1; }
  done
  for pkg in gstreamer1-plugins-good gstreamer1-plugins-bad-free; do
    grep -qx -- "$pkg" <<<"$requires" || { echo "the .rpm does not require $pkg" >&2; rc=1; }
  done
  return $rc
}

print_installer_sizes() {
  local deb=$1 rpm=$2 bin=$3 deb_size
  deb_size=$(stat -c %s "$deb")
  mb() { awk -v b="$1" 'BEGIN { printf "%.2f MB (%.2f MiB)", b / 1e6, b / 1048576 }'; }
  say "Sizes"
  echo "  .deb              $(mb "$deb_size")  $(basename "$deb")"
  echo "  .rpm              $(mb "$(stat -c %s "$rpm")")  $(basename "$rpm")"
  echo "  installed binary  $(mb "$(stat -c %s "$bin")")  $bin"
  if [ "$deb_size" -le "$DEB_SIZE_TARGET" ]; then
    echo "  .deb target (at most 10 MB): met"
  else
    echo "  .deb target (at most 10 MB): NOT met"
  fi
}
