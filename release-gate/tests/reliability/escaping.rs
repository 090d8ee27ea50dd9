//! Fail-closed attacks (issue #13, rules 6 and 8) on what the gate prints and
//! renders: input text (waiver text, file names, `--release`, `--commit`,
//! status strings) must never start a GitHub workflow command on any output
//! line, never close a Markdown code span, and a failing stdout or stderr
//! must never panic the gate.

use super::*;

use pulldown_cmark::{Event, Options, Parser, Tag};

/// The attacker's payloads: each would be a live workflow command or
/// Markdown link if it reached an output unescaped.
const FORGED: &str = "\n::error::forged\n::add-mask::secret\n##[error]legacy\n";
const LINK: &str = "x` [click](https://evil.example/a) ![img](https://evil.example/i.png) <img src=https://evil.example/h.png> `y";

/// Every line of `stdout` that GitHub would read as a workflow command must
/// be one the gate writes itself (with `github`: a group, or an error whose
/// title is a blocker code of the report); with `human`: none at all.
#[track_caller]
fn assert_no_forged_command(stdout: &str, github: bool) {
    for line in stdout.lines() {
        let t = line.trim_start();
        if !(t.starts_with("::") || t.starts_with("##[")) {
            continue;
        }
        let own = github
            && (t.starts_with("::group::")
                || t == "::endgroup::"
                || t.strip_prefix("::error ").is_some_and(|rest| {
                    // `file=` (escaped: no `::` inside) then `title=<code>`.
                    let props = rest.split("::").next().unwrap_or_default();
                    let code = props.rsplit("title=").next().unwrap_or_default();
                    code.split_once('.').is_some_and(|(d, k)| {
                        !d.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    })
                }));
        assert!(own, "a workflow command the gate did not write: {line:?}\nin:\n{stdout}");
    }
}

/// Parses the Markdown as GitHub does (tables) and asserts that no input
/// became a link, an image or HTML, and that the attacker's text only ever
/// appears inside code spans.
#[track_caller]
fn assert_inert_markdown(md: &str) {
    for event in Parser::new_ext(md, Options::ENABLE_TABLES) {
        match &event {
            Event::Start(Tag::Link { .. } | Tag::Image { .. })
            | Event::Html(_)
            | Event::InlineHtml(_) => panic!("live Markdown from input: {event:?}\nin:\n{md}"),
            Event::Text(t) => {
                assert!(!t.contains("evil.example"), "input outside a code span: {t:?}\nin:\n{md}")
            }
            _ => {}
        }
    }
}

fn waivers_toml(reason: &str, approved_by: &str) -> String {
    format!(
        "[[waivers]]\ncode = \"security.not_passed\"\nreason = {}\napproved-by = {}\nexpires = \"2020-01-01\"\n",
        toml_string(reason),
        toml_string(approved_by)
    )
}

fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n"))
}

#[test]
fn waiver_text_release_and_commit_cannot_forge_workflow_commands() {
    let failed = evidence("security", "failed");
    let waivers = waivers_toml(&format!("accepted{FORGED}"), &format!("eve{FORGED}"));
    let ws = workspace(&[
        ("test_artifacts/security/latest/security.json", failed.as_bytes()),
        ("release-gate-waivers.toml", waivers.as_bytes()),
    ]);
    let release = format!("v1.0.0{FORGED}");
    let commit = format!("abc{FORGED}");
    for format in ["human", "github"] {
        let out = xtask(
            ws.path(),
            &[
                "release-gate",
                "--require",
                "security",
                "--release",
                &release,
                "--commit",
                &commit,
                "--now",
                "2026-11-26T12:00:00Z",
                "--format",
                format,
            ]
            .map(String::from),
            &[],
        );
        // The expired waiver is a blocker that quotes its reason.
        assert_fails_closed(&out, 1, "blocker `waiver.expired`");
        assert_no_forged_command(&out.stdout, format == "github");
        assert!(out.stdout.contains("accepted\\n::error::forged"), "{}", out.stdout);
    }
    let md = fs::read_to_string(ws.path().join(DEFAULT_REPORT_DIR).join("production_maturity.md"))
        .unwrap();
    assert_inert_markdown(&md);
    assert!(md.lines().all(|l| !l.trim_start().starts_with("::")), "{md}");
    // `--explain` and `verify` print what the report holds.
    let explain =
        xtask(ws.path(), &["release-gate", "--explain", "waiver.expired"].map(String::from), &[]);
    assert_eq!(explain.exit, 0, "{}", explain.stderr);
    assert!(explain.stdout.contains("accepted\\n::error::forged"), "{}", explain.stdout);
    assert_no_forged_command(&explain.stdout, false);
    // A tampered index whose recorded path forges a command.
    let index = ws.path().join(DEFAULT_REPORT_DIR).join("artifact_index.json");
    let text = fs::read_to_string(&index).unwrap();
    let forged = text.replacen(
        "\"test_artifacts/security/latest/security.json\"",
        "\"test_artifacts/x\\n::error::forged.json\"",
        1,
    );
    assert_ne!(text, forged);
    fs::write(&index, forged).unwrap();
    let verify = xtask(ws.path(), &["release-gate", "verify"].map(String::from), &[]);
    assert_eq!(verify.exit, 1, "{}{}", verify.stdout, verify.stderr);
    assert_no_forged_command(&verify.stdout, false);
    assert!(verify.stdout.contains("x\\n::error::forged.json"), "{}", verify.stdout);
}

#[test]
fn a_file_name_cannot_forge_a_workflow_command() {
    let failed = evidence("security", "failed");
    let ws =
        workspace(&[("test_artifacts/security/latest/::error::forged.json", failed.as_bytes())]);
    for format in ["human", "github"] {
        let out = xtask(ws.path(), &args(&["--format", format]), &[]);
        assert_fails_closed(&out, 1, "blocker `security.not_passed`");
        assert_no_forged_command(&out.stdout, format == "github");
    }
    // Named from the workspace root, the path is the whole first word.
    fs::rename(
        ws.path().join("test_artifacts/security/latest/::error::forged.json"),
        ws.path().join("::error::forged.json"),
    )
    .unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let out_dir = elsewhere.path().display().to_string();
    let out = xtask(
        ws.path(),
        &args(&[
            "--format",
            "github",
            "--output-dir",
            &out_dir,
            "--artifact",
            "security=::error::forged.json",
        ]),
        &[],
    );
    assert_fails_closed(&out, 1, "blocker `security.not_passed`");
    assert_no_forged_command(&out.stdout, true);
}

#[test]
fn a_status_with_backticks_cannot_render_links_or_images() {
    let doc = serde_json::json!({"domain": "security", "status": LINK, "release": "v1.0.0"});
    let finding = serde_json::json!({
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "scanner`](https://evil.example/t)", "rules": []}},
            "results": [{
                "ruleId": "r`![x](https://evil.example/r.png)",
                "level": "error",
                "message": {"text": LINK},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/`<img src=https://evil.example/u>`.rs"}, "region": {"startLine": 1}}}]
            }]
        }]
    });
    let ws = workspace(&[
        ("test_artifacts/security/latest/security.json", doc.to_string().as_bytes()),
        ("test_artifacts/security/latest/scan.sarif", finding.to_string().as_bytes()),
        (
            "test_artifacts/security/latest/x`](https:⁄⁄evil.example⁄p).json",
            evidence("security", "failed").as_bytes(),
        ),
    ]);
    let release = format!("v1 {LINK}");
    let out = xtask(
        ws.path(),
        &["release-gate", "--require", "security", "--release", &release].map(String::from),
        &[],
    );
    assert_fails_closed(&out, 1, "blocker `security.not_passed`");
    let md = fs::read_to_string(ws.path().join(DEFAULT_REPORT_DIR).join("production_maturity.md"))
        .unwrap();
    assert!(md.contains("evil.example"), "the payload is shown, inert:\n{md}");
    assert_inert_markdown(&md);
    // The step summary is the same Markdown.
    let summary = ws.path().join("summary.md");
    let out = xtask(
        ws.path(),
        &args(&["--format", "github"]),
        &[("GITHUB_STEP_SUMMARY".to_string(), summary.display().to_string())],
    );
    assert_eq!(out.exit, 1, "{}", out.stderr);
    assert_inert_markdown(&fs::read_to_string(&summary).unwrap());
}

/// Runs the gate with stdout or stderr on `/dev/full` (every write fails).
fn run_full(ws: &Path, args: &[String], stream: &str) -> i32 {
    let full = || fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let mut cmd = support::xtask_command(ws, args, &[]);
    match stream {
        "stdout" => cmd.stdout(full()).stderr(Stdio::null()),
        _ => cmd.stderr(full()).stdout(Stdio::null()),
    };
    cmd.status().unwrap().code().unwrap_or(-1)
}

#[test]
fn a_failing_stdout_or_stderr_never_panics() {
    let failed = evidence("security", "failed");
    let ws = workspace(&[("test_artifacts/security/latest/security.json", failed.as_bytes())]);
    // Blockers: the report is written, the exit code stays the gate's.
    assert_eq!(run_full(ws.path(), &args(&[]), "stdout"), 1);
    assert_eq!(run_full(ws.path(), &args(&[]), "stderr"), 1);
    for format in ["json", "github"] {
        assert_eq!(run_full(ws.path(), &args(&["--format", format]), "stdout"), 1);
    }
    // An error: exit 2, whether or not its message could be written.
    let bad = args(&["--artifact", "nope=x.json"]);
    assert_eq!(run_full(ws.path(), &bad, "stderr"), 2);
    assert_eq!(run_full(ws.path(), &bad, "stdout"), 2);
    // Open: exit 0 although nothing could be printed.
    let ok = evidence("security", "passed");
    fs::write(ws.path().join("test_artifacts/security/latest/security.json"), ok).unwrap();
    assert_eq!(run_full(ws.path(), &args(&[]), "stdout"), 0);
}
