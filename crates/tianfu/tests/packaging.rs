//! The Debian package's pieces agree with each other and with the program: the default
//! configuration loads without warnings and names the folder the unit may write, the unit runs
//! the installed binary as the `tianfu` user under the hardening docs/deployment.md describes,
//! and every asset of the cargo-deb metadata exists.

use std::path::Path;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn read(p: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(p)).unwrap_or_else(|e| panic!("{p}: {e}"))
}

#[test]
fn the_default_configuration_loads_and_matches_the_unit() {
    let (c, warnings) = web::Config::load(Some(&Path::new(ROOT).join("packaging/tianfu.toml")), std::iter::empty()).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    c.check().unwrap();
    assert_eq!((c.data_dir.as_str(), c.listen.as_str()), ("/var/lib/tianfu", "127.0.0.1:8080"));
    let unit = read("packaging/tianfu.service");
    for line in [
        "User=tianfu",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/tianfu",
        "NoNewPrivileges=yes",
        "ExecStart=/usr/bin/tianfu serve --config /etc/tianfu/tianfu.toml",
        "KillSignal=SIGINT",
        "CapabilityBoundingSet=",
    ] {
        assert!(unit.lines().any(|l| l == line), "tianfu.service lacks {line}");
    }
    let backup = read("packaging/tianfu-backup.service");
    assert!(backup.contains("/usr/bin/tianfu backup ") && backup.contains("ReadWritePaths=/var/lib/tianfu /var/backups/tianfu"));
    let postinst = read("packaging/debian/postinst");
    assert!(postinst.contains("install -d -o tianfu -g tianfu -m 0750 /var/lib/tianfu"));
}

#[test]
fn every_asset_of_the_package_exists() {
    let manifest = read("crates/tianfu/Cargo.toml");
    let start = manifest.find("assets = [").expect("cargo-deb assets");
    let list = &manifest[start..start + manifest[start..].find("\n]").unwrap()];
    let mut n = 0;
    for line in list.lines().filter(|l| l.trim_start().starts_with("[\"")) {
        let src = line.trim_start().trim_start_matches("[\"").split('"').next().unwrap();
        if src.starts_with("target/") {
            continue;
        }
        assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join(src).is_file(), "missing asset {src}");
        n += 1;
    }
    assert_eq!(n, 6);
    for script in ["postinst", "prerm", "postrm"] {
        let p = Path::new(ROOT).join("packaging/debian").join(script);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o111, 0o111, "{script} is executable");
        }
        assert!(read(&format!("packaging/debian/{script}")).starts_with("#!/bin/sh\n"));
    }
}
