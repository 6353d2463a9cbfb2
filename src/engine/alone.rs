//! Running a test in a process of its own.
//!
//! burn's CPU backend keeps one random generator for the whole process: `seed` sets it and every
//! random tensor (burn's layer initialisers, dropout masks) draws from it. The page's worker and
//! the CLI train on one thread, so a seed repeats a run there; but tests run on several threads,
//! and two tests drawing at once would take each other's numbers. A test whose result depends on
//! its seed calls [`rerun_alone`] first: the harness's thread starts a fresh copy of the test
//! binary that runs only that test.

use std::process::Command;

/// Set in the child to the test it runs.
const CHILD: &str = "DISTILL_TEST_ALONE";

/// `true` when this call already ran the test in a child process (the caller returns at once);
/// `false` inside that child, where the caller goes on with the test. `module` is the caller's
/// `module_path!()` and `name` its function's name. Panics, with the child's output, if the child
/// fails or did not run exactly that test.
pub fn rerun_alone(module: &str, name: &str) -> bool {
    // libtest names tests by their path without the crate.
    let path = match module.split_once("::") {
        Some((_, rest)) => format!("{rest}::{name}"),
        None => name.to_string(),
    };
    if std::env::var(CHILD).as_deref() == Ok(path.as_str()) {
        return false;
    }
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("no test binary to rerun: {e}"));
    let out = Command::new(exe)
        .args([path.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, &path)
        .output()
        .unwrap_or_else(|e| panic!("could not start {path} alone: {e}"));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    // The child's report, shown by the harness with the parent's own output.
    eprintln!("{stderr}");
    assert!(
        out.status.success() && stdout.contains("running 1 test"),
        "{path} in its own process:\n{stdout}\n{stderr}"
    );
    true
}
