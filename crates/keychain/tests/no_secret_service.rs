//! A D-Bus session with nothing providing `org.freedesktop.secrets` (a bare window manager, a
//! server session): the keychain is unavailable, the same as with no bus at all.
//!
//! Runs a private `dbus-daemon` with no service directories, so nothing can be activated. Its
//! own test process (one test), because the bus address is process-wide.

#![cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use sora_keychain::{ApiKey, KeyVault, Storage};

struct Bus(Child);
impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_bus_without_secret_service_is_no_keychain() {
    let dir = std::env::temp_dir().join(format!("sora-keychain-bare-bus-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("bus.conf");
    std::fs::write(
        &config,
        format!(
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
            dir.display()
        ),
    )
    .unwrap();
    let mut child = Command::new("dbus-daemon")
        .arg(format!("--config-file={}", config.display()))
        .args(["--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon (package dbus) is needed for this test");
    let mut address = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut address)
        .unwrap();
    let _bus = Bus(child);
    assert!(address.starts_with("unix:"), "bus address: {address:?}");
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", address.trim());

    let vault = KeyVault::new(format!(
        "app.soradesk.desktop.test.{}.bare-bus",
        std::process::id()
    ));
    let key = ApiKey::new("sk-bare-bus-distinctive-key-M7K2").unwrap();
    let err = vault.set(&key).unwrap_err();
    assert_eq!(err.code(), "keychain_unavailable", "{err:?}");
    assert!(
        err.detail().contains("ServiceUnknown") || err.detail().contains("secrets"),
        "{err:?}"
    );
    assert!(!format!("{err}{err:?}").contains(key.expose()));
    assert_eq!(vault.status().error, Some("keychain_unavailable"));
    vault.set_for_session(&key);
    assert_eq!(vault.status().storage, Storage::SessionOnly);
    let _ = std::fs::remove_dir_all(&dir);
}
