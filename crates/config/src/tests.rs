use super::*;

struct Dir(PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn dir(tag: &str) -> Dir {
    let d = std::env::temp_dir().join(format!("tianfu-config-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    Dir(d)
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn layers_in_order_default_file_env_flag() {
    let d = dir("layers");
    let f = d.0.join("tianfu.toml");
    std::fs::write(&f, "listen = \"0.0.0.0:9000\"\npool_size = 8\nimport_queue = 5\ntoken_days = 30\ncolour = \"red\"\n").unwrap();
    let e = env(&[("TIANFU_POOL_SIZE", "3"), ("TIANFU_IMPORT_QUEUE", "6"), ("HOME", "/root"), ("TIANFU_NO_SUCH", "x")]);
    let flags = [Flag::new("--import-queue", "import_queue", "7")];
    let (c, w) = Config::load_with(Some(&f), e, &flags).unwrap();
    assert_eq!(c.listen, "0.0.0.0:9000", "file over default");
    assert_eq!(c.token_days, 30, "file over default");
    assert_eq!(c.pool_size, 3, "environment over file");
    assert_eq!(c.import_queue, 7, "flag over environment over file");
    assert_eq!(c.session_idle_minutes, 30, "default");
    let file = Source::File(f.display().to_string());
    assert_eq!(c.sources.get("listen"), file);
    assert_eq!(c.sources.get("pool_size"), Source::Env("TIANFU_POOL_SIZE".into()));
    assert_eq!(c.sources.get("import_queue"), Source::Flag("--import-queue".into()));
    assert_eq!(c.sources.get("session_idle_minutes"), Source::Default);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("colour") && w[0].contains("tianfu.toml"), "{}", w[0]);
    // A flag beats both the file and the environment for the database too.
    std::fs::write(&f, "db = \"/srv/a/file.db\"\n").unwrap();
    let (c, _) = Config::load_with(Some(&f), env(&[("TIANFU_DATABASE_URL", "/srv/b/env.db")]), &[]).unwrap();
    assert_eq!((c.database().as_str(), c.data_dir.as_str()), ("/srv/b/env.db", "/srv/b"), "env over file; data_dir beside the database");
    assert_eq!(c.sources.get("data_dir"), Source::Derived("the folder of the SQLite database".into()));
    let (c, _) = Config::load_with(Some(&f), env(&[("TIANFU_DATABASE_URL", "/srv/b/env.db")]), &[Flag::new("--db", "db", "/srv/c/flag.db")]).unwrap();
    assert_eq!(c.database(), "/srv/c/flag.db");
    assert_eq!(c.sources.get("db"), Source::Flag("--db".into()));
}

#[test]
fn bad_values_are_refused_wherever_they_come_from() {
    let e = Config::load(None, env(&[("TIANFU_AUDIT_RETENTION_DAYS", "30")])).unwrap_err();
    assert!(e.contains("180"), "{e}");
    let e = Config::load(None, env(&[("TIANFU_POOL_SIZE", "many")])).unwrap_err();
    assert!(e.contains("TIANFU_POOL_SIZE"), "{e}");
    let e = Config::load_with(None, env(&[]), &[Flag::new("--pool-size", "pool_size", "x")]).unwrap_err();
    assert!(e.contains("--pool-size"), "{e}");
    let (c, _) = Config::load(None, env(&[("TIANFU_TRUSTED_PROXIES", "10.0.0.5, fd00::/8")])).unwrap();
    assert_eq!(c.trusted_proxies, ["10.0.0.5", "fd00::/8"]);
    assert_eq!((c.upload_limit_mib, c.session_max_hours, c.token_days), (200, 12, 365), "defaults");
    let e = Config::load(None, env(&[("TIANFU_TRUSTED_PROXIES", "10.0.0.0/33")])).unwrap_err();
    assert!(e.contains("trusted_proxies"), "{e}");
    let e = Config::load(None, env(&[("TIANFU_SESSION_MAX_HOURS", "0")])).unwrap_err();
    assert!(e.contains("session_max_hours"), "{e}");
    let e = Config::load(None, env(&[("TIANFU_PROVINCE", "99")])).unwrap_err();
    assert!(e.contains("GB/T 2260"), "{e}");
    let e = Config::load(None, env(&[("TIANFU_MONITOR", "10.0.0.0/8")])).unwrap_err();
    assert!(e.contains("configuration file"), "{e}");
    assert_eq!(Config::default().metrics_allow, ["127.0.0.1", "::1"], "metrics for this machine only");
    let (c, _) = Config::load(None, env(&[("TIANFU_METRICS_ALLOW", "10.0.0.0/8, ::1"), ("TIANFU_LOG_FORMAT", "json"), ("TIANFU_LOG_LEVEL", "warn,web=debug")])).unwrap();
    assert_eq!((c.metrics_allow.as_slice(), c.log_format.as_str(), c.log_level.as_deref()), (&["10.0.0.0/8".to_string(), "::1".to_string()][..], "json", Some("warn,web=debug")));
    let e = Config::load(None, env(&[("TIANFU_LOG_FORMAT", "xml")])).unwrap_err();
    assert!(e.contains("log_format"), "{e}");
    let e = Config::load(None, env(&[("TIANFU_METRICS_ALLOW", "everyone")])).unwrap_err();
    assert!(e.contains("metrics_allow"), "{e}");
}

#[test]
fn sqlite_database_moves_the_data_folder_unless_it_was_given() {
    let (c, _) = Config::load(None, env(&[])).unwrap();
    assert_eq!((c.database().as_str(), c.data_dir.as_str()), ("tianfu-data/tianfu.db", "tianfu-data"));
    let (c, _) = Config::load_with(None, env(&[]), &[Flag::new("--db", "db", "/x/y.db")]).unwrap();
    assert_eq!(c.data_dir, "/x");
    let (c, _) = Config::load_with(None, env(&[("TIANFU_DATA_DIR", "/d")]), &[Flag::new("--db", "db", "/x/y.db")]).unwrap();
    assert_eq!(c.data_dir, "/d", "a given data_dir stays");
    let (c, _) = Config::load_with(None, env(&[]), &[Flag::new("--db", "db", "postgres://u@h/db")]).unwrap();
    assert_eq!(c.data_dir, "tianfu-data", "a URL leaves data_dir");
    assert!(c.is_postgres());
}

#[test]
fn province_as_a_code_or_a_table() {
    let d = dir("province");
    let f = d.0.join("tianfu.toml");
    assert_eq!(Config::default().province.code, 51, "Sichuan by default");
    std::fs::write(&f, "province = 52\n").unwrap();
    let (c, _) = Config::load(Some(&f), env(&[])).unwrap();
    assert_eq!(c.province, Province { code: 52, name: None, name_en: None, map: None });
    assert_eq!(c.province.range(), (520000, 529999));
    std::fs::write(&f, "[province]\ncode = 52\nname = \"贵州省\"\nname_en = \"Guizhou\"\nmap = \"/etc/tianfu/gz.geojson\"\n").unwrap();
    let (c, _) = Config::load(Some(&f), env(&[])).unwrap();
    assert_eq!((c.province.code, c.province.name.as_deref(), c.province.map.as_deref()), (52, Some("贵州省"), Some("/etc/tianfu/gz.geojson")));
    let (c, _) = Config::load(Some(&f), env(&[("TIANFU_PROVINCE", "53")])).unwrap();
    assert_eq!(c.province.code, 53, "the environment's code replaces the file's table");
    std::fs::write(&f, "[province]\ncode = 52\nmapp = \"x\"\n").unwrap();
    let e = Config::load(Some(&f), env(&[])).unwrap_err();
    assert!(e.contains("province"), "{e}");
}

#[test]
fn monitor_allowed_networks_from_the_file_only() {
    let d = dir("monitor");
    let f = d.0.join("tianfu.toml");
    std::fs::write(&f, "[[monitor.allow]]\nname = \"省教育城域网\"\ncidr = \"10.20.0.0/16\"\n\n[[monitor.allow]]\nname = \"本机\"\ncidr = \"::1\"\n").unwrap();
    let (c, w) = Config::load(Some(&f), env(&[])).unwrap();
    assert!(w.is_empty(), "{w:?}");
    assert_eq!(c.monitor.allow.len(), 2);
    for (bad, says) in [
        ("[[monitor.allow]]\nname = \"x\"\ncidr = \"10.20.0.0/33\"\n", "CIDR"),
        ("[[monitor.allow]]\nname = \"\"\ncidr = \"10.20.0.0/16\"\n", "name"),
        ("[[monitor.allow]]\ncidr = \"10.20.0.0/16\"\n", "name"),
        ("[[monitor.alow]]\nname = \"x\"\ncidr = \"10.0.0.0/8\"\n", "alow"),
    ] {
        std::fs::write(&f, bad).unwrap();
        let e = Config::load(Some(&f), env(&[])).unwrap_err();
        assert!(e.contains(says), "{bad}: {e}");
    }
}

#[test]
fn describe_names_sources_and_hides_secrets() {
    let d = dir("describe");
    let f = d.0.join("tianfu.toml");
    std::fs::write(&f, "public_url = \"https://admin:hunter2@tianfu.example\"\n").unwrap();
    let (c, _) = Config::load_with(
        Some(&f),
        env(&[("TIANFU_DATABASE_URL", "postgres://tianfu:s3cret-pw@db.example/tianfu")]),
        &[Flag::new("--listen", "listen", "0.0.0.0:80")],
    )
    .unwrap();
    let text = c.describe_text();
    assert!(!text.contains("s3cret-pw") && !text.contains("hunter2"), "{text}");
    let rows = c.describe();
    let row = |k: &str| rows.iter().find(|r| r.key == k).unwrap().clone();
    assert_eq!(row("db").value, "\"postgres://tianfu:***@db.example/tianfu\"");
    assert_eq!(row("db").source, "env TIANFU_DATABASE_URL");
    assert_eq!(row("listen").source, "flag --listen");
    assert_eq!(row("public_url").source, format!("file {}", f.display()));
    assert_eq!(row("public_url").value, "\"https://admin:***@tianfu.example\"");
    assert_eq!(row("pool_size").source, "default");
    assert_eq!(row("province").value, "{ code = 51 }", "{text}");
    assert_eq!(rows.len(), KEYS.len(), "every key is shown");
    assert_eq!(hide_password_of("host=db password=pw user=u"), "host=db password=*** user=u");
    let json = serde_json::to_string(&rows).unwrap();
    assert!(!json.contains("s3cret-pw"), "{json}");
    // A secret key prints as *** whatever its value.
    assert!(KEYS.iter().all(|k| !k.secret || rows.iter().any(|r| r.key == k.name && r.value == "\"***\"")));
}

fn hide_password_of(s: &str) -> String {
    show::hide_password(s)
}

#[test]
fn cidrs() {
    assert_eq!(parse_cidr("10.0.0.5").unwrap(), ("10.0.0.5".parse().unwrap(), 32));
    assert_eq!(parse_cidr("::ffff:10.0.0.5").unwrap(), ("10.0.0.5".parse().unwrap(), 32));
    assert_eq!(parse_cidr("fd00::/8").unwrap().1, 8);
    assert!(parse_cidr("10.0.0.0/33").is_err() && parse_cidr("example.org").is_err() && parse_cidr("fd00::/129").is_err());
}

#[test]
fn security_section_from_the_file_the_environment_and_flags() {
    let (c, _) = Config::load(None, env(&[])).unwrap();
    assert_eq!(c.security, SecurityConfig::default());
    assert_eq!((c.security.incident_classification.as_str(), c.security.incident_deadlines.as_str(), c.security.incident_outage_minutes, c.security.attachment_limit_mib), ("2023", "cii=1,central=2,other=4,minor=24", 60, 20));
    let d = dir("security");
    let f = d.0.join("tianfu.toml");
    std::fs::write(&f, "[security]\nincident_classification = \"2007\"\nincident_deadlines = \"other=6\"\nattachment_limit_mib = 5\n").unwrap();
    let (c, w) = Config::load(Some(&f), env(&[("TIANFU_SECURITY_INCIDENT_OUTAGE_MINUTES", "30"), ("TIANFU_SECURITY_ATTACHMENT_LIMIT_MIB", "8")])).unwrap();
    assert!(w.is_empty(), "{w:?}");
    assert_eq!(c.security.incident_classification, "2007");
    assert_eq!(c.security.incident_deadlines, "other=6");
    assert_eq!(c.security.incident_outage_minutes, 30, "environment");
    assert_eq!(c.security.attachment_limit_mib, 8, "environment over file");
    assert_eq!(c.sources.get("security.incident_classification"), Source::File(f.display().to_string()));
    assert_eq!(c.sources.get("security.attachment_limit_mib"), Source::Env("TIANFU_SECURITY_ATTACHMENT_LIMIT_MIB".into()));
    let (c, _) = Config::load_with(Some(&f), env(&[]), &[Flag::new("--classification", "security.incident_classification", "2023")]).unwrap();
    assert_eq!(c.security.incident_classification, "2023", "flag over file");
    assert_eq!(c.security.incident_review_days, 5, "the review's working days by default");
    let (c, _) = Config::load_with(Some(&f), env(&[("TIANFU_SECURITY_INCIDENT_REVIEW_DAYS", "7")]), &[]).unwrap();
    assert_eq!((c.security.incident_review_days, c.sources.get("security.incident_review_days")), (7, Source::Env("TIANFU_SECURITY_INCIDENT_REVIEW_DAYS".into())));
    let (c, _) = Config::load_with(Some(&f), env(&[("TIANFU_SECURITY_INCIDENT_REVIEW_DAYS", "7")]), &[Flag::new("--review-days", "security.incident_review_days", "3")]).unwrap();
    assert_eq!(c.security.incident_review_days, 3, "flag over environment");
    let shown = c.describe();
    let row = shown.iter().find(|e| e.key == "security.incident_deadlines").unwrap();
    assert_eq!((row.value.as_str(), row.source.as_str()), ("\"other=6\"", format!("file {}", f.display()).as_str()));
    // Bad values, each naming its key.
    for (toml, want) in [
        ("[security]\nincident_classification = \"2019\"\n", "security.incident_classification"),
        ("[security]\nincident_outage_minutes = 0\n", "security.incident_outage_minutes"),
        ("[security]\nattachment_limit_mib = 0\n", "security.attachment_limit_mib"),
        ("[security]\nincident_review_days = 0\n", "security.incident_review_days"),
        ("[security]\nincident_deadline = \"other=4\"\n", "incident_deadline"),
    ] {
        std::fs::write(&f, toml).unwrap();
        let e = Config::load(Some(&f), env(&[])).unwrap_err();
        assert!(e.contains(want), "{toml}: {e}");
    }
    let e = Config::load(None, env(&[("TIANFU_SECURITY_ATTACHMENT_LIMIT_MIB", "big")])).unwrap_err();
    assert!(e.contains("TIANFU_SECURITY_ATTACHMENT_LIMIT_MIB"), "{e}");
}
