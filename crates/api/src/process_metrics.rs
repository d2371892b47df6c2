//! The standard Prometheus process metrics (CPU time, memory, open file
//! descriptors, start time), read from `/proc` at scrape time with std
//! only. Elsewhere than Linux, and for any value `/proc` does not give,
//! the metric is left out rather than shown as 0.

use std::fmt::Write;

/// Clock ticks per second of the times in `/proc/<pid>/stat`: the kernel
/// reports them in USER_HZ, which is 100 on every architecture Patchbay
/// builds for.
const TICKS_PER_SECOND: f64 = 100.0;

/// What `/proc` says about this process.
#[derive(Debug, Default, PartialEq)]
struct Process {
    cpu_seconds: Option<f64>,
    resident_bytes: Option<u64>,
    virtual_bytes: Option<u64>,
    open_fds: Option<u64>,
    max_fds: Option<u64>,
    start_time_seconds: Option<f64>,
}

/// Appends the process metrics of this process.
pub fn render_into(out: &mut String) {
    render(&read(), out);
}

#[cfg(target_os = "linux")]
fn read() -> Process {
    let file = |path: &str| std::fs::read_to_string(path).ok();
    let stat = file("/proc/self/stat").and_then(|s| parse_stat(&s));
    let boot_time = file("/proc/stat").and_then(|s| parse_boot_time(&s));
    Process {
        cpu_seconds: stat.as_ref().map(|s| s.cpu_ticks as f64 / TICKS_PER_SECOND),
        resident_bytes: file("/proc/self/status").and_then(|s| parse_rss(&s)),
        virtual_bytes: stat.as_ref().map(|s| s.virtual_bytes),
        open_fds: std::fs::read_dir("/proc/self/fd")
            .ok()
            .map(|d| d.count() as u64),
        max_fds: file("/proc/self/limits").and_then(|s| parse_max_fds(&s)),
        start_time_seconds: stat
            .zip(boot_time)
            .map(|(s, boot)| boot as f64 + s.start_ticks as f64 / TICKS_PER_SECOND),
    }
}

#[cfg(not(target_os = "linux"))]
fn read() -> Process {
    Process::default()
}

fn render(p: &Process, out: &mut String) {
    let mut metric = |name: &str, kind: &str, help: &str, value: Option<String>| {
        if let Some(value) = value {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
    };
    metric(
        "process_cpu_seconds_total",
        "counter",
        "Total user and system CPU time spent in seconds.",
        p.cpu_seconds.map(|v| v.to_string()),
    );
    metric(
        "process_resident_memory_bytes",
        "gauge",
        "Resident memory size in bytes.",
        p.resident_bytes.map(|v| v.to_string()),
    );
    metric(
        "process_virtual_memory_bytes",
        "gauge",
        "Virtual memory size in bytes.",
        p.virtual_bytes.map(|v| v.to_string()),
    );
    metric(
        "process_open_fds",
        "gauge",
        "Number of open file descriptors.",
        p.open_fds.map(|v| v.to_string()),
    );
    metric(
        "process_max_fds",
        "gauge",
        "Maximum number of open file descriptors.",
        p.max_fds.map(|v| v.to_string()),
    );
    metric(
        "process_start_time_seconds",
        "gauge",
        "Start time of the process since unix epoch in seconds.",
        p.start_time_seconds.map(|v| v.to_string()),
    );
}

/// The fields of `/proc/<pid>/stat` used here.
#[derive(Debug, PartialEq)]
struct Stat {
    /// utime + stime.
    cpu_ticks: u64,
    /// Since boot.
    start_ticks: u64,
    virtual_bytes: u64,
}

fn parse_stat(text: &str) -> Option<Stat> {
    // The command name (field 2) is in parentheses and may hold spaces or
    // parentheses itself: the fields that follow start after the last `)`.
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `fields[0]` is field 3 (state), so field N is `fields[N - 3]`.
    let field = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
    Some(Stat {
        cpu_ticks: field(14)? + field(15)?,
        start_ticks: field(22)?,
        virtual_bytes: field(23)?,
    })
}

fn parse_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn parse_boot_time(stat: &str) -> Option<u64> {
    stat.lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()
}

fn parse_max_fds(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    // "Max open files  <soft>  <hard>  files"; `unlimited` has no number.
    line["Max open files".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = "4242 (patch bay) (x)) S 1 4242 4242 0 -1 4194560 1805 0 0 0 \
        250 130 0 0 20 0 9 0 123456 1073741824 5000 18446744073709551615 1 1 0 0 0 0 0 \
        4096 17479 0 0 0 17 1 0 0 0 0 0";

    #[test]
    fn stat_fields_after_an_awkward_command_name() {
        assert_eq!(
            parse_stat(STAT),
            Some(Stat {
                cpu_ticks: 380,
                start_ticks: 123456,
                virtual_bytes: 1073741824,
            })
        );
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn status_limits_and_boot_time() {
        let status = "Name:\tpatchbay\nVmPeak:\t  20000 kB\nVmRSS:\t   1234 kB\nThreads:\t9\n";
        assert_eq!(parse_rss(status), Some(1234 * 1024));
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max cpu time              unlimited            unlimited            seconds   \n\
                      Max open files            1024                 524288               files     \n";
        assert_eq!(parse_max_fds(limits), Some(1024));
        assert_eq!(
            parse_boot_time("cpu  1 2 3\nbtime 1700000000\nprocesses 5\n"),
            Some(1_700_000_000)
        );
    }

    #[test]
    fn unknown_values_are_left_out() {
        let mut text = String::new();
        render(
            &Process {
                open_fds: Some(12),
                ..Process::default()
            },
            &mut text,
        );
        assert!(
            text.contains("# TYPE process_open_fds gauge\nprocess_open_fds 12\n"),
            "{text}"
        );
        assert!(!text.contains("process_cpu_seconds_total"), "{text}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_is_described() {
        let p = read();
        assert!(p.cpu_seconds.is_some());
        assert!(p.resident_bytes.is_some_and(|b| b > 0));
        assert!(p.open_fds.is_some_and(|n| n >= 3));
        assert!(p.start_time_seconds.is_some_and(|t| t > 1_600_000_000.0));
    }
}
