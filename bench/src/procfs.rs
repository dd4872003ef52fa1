//! Resource usage from `/proc`: resident set size, and CPU time per process and per thread
//! name (to see which of the gateway's threads a turn's CPU goes to).

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::Context;

/// `/proc` reports CPU time in clock ticks of 1/100 s (`USER_HZ`, fixed on Linux).
pub const TICK: Duration = Duration::from_millis(10);

/// Resident set size of `pid` in KiB (`VmRSS` of `/proc/<pid>/status`).
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status (has the gateway exited?)"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("VmRSS missing from /proc/<pid>/status")
}

/// Peak resident set size of `pid` in KiB (`VmHWM`: the high-water mark since it started).
pub fn peak_rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status (has the gateway exited?)"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("VmHWM missing from /proc/<pid>/status")
}

/// Resident memory of `pid` split into anonymous (heap, stacks) and file-backed pages (mostly
/// the binary's own code and data, which the kernel can drop and re-read), in KiB.
pub fn rss_split_kib(pid: u32) -> anyhow::Result<(u64, u64)> {
    let path = format!("/proc/{pid}/smaps_rollup");
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .with_context(|| format!("{name} missing from {path}"))
    };
    let rss = field("Rss:")?;
    let anon = field("Anonymous:")?;
    Ok((anon, rss.saturating_sub(anon)))
}

/// Number of threads of `pid` per thread name (`comm`): shows what a workload made the gateway
/// spawn (each thread costs its stack pages and an allocator heap in resident memory).
pub fn threads_by_name(pid: u32) -> anyhow::Result<BTreeMap<String, usize>> {
    let dir = format!("/proc/{pid}/task");
    let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
    for task in std::fs::read_dir(&dir).with_context(|| format!("listing {dir}"))? {
        // A thread can end between the listing and the read: skip it.
        if let Ok(comm) = std::fs::read_to_string(task?.path().join("comm")) {
            *by_name.entry(comm.trim().to_owned()).or_default() += 1;
        }
    }
    Ok(by_name)
}

/// User + system CPU time of a process (`pid` may be `"self"`).
pub fn cpu_time(pid: &str) -> anyhow::Result<Duration> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    parse_stat_cpu(&stat).with_context(|| format!("malformed {path}"))
}

/// CPU time of each thread of `pid`, summed by thread name (`comm`), so a pool of workers
/// shows as one row.
pub fn thread_cpu(pid: &str) -> anyhow::Result<BTreeMap<String, Duration>> {
    let dir = format!("/proc/{pid}/task");
    let mut by_name: BTreeMap<String, Duration> = BTreeMap::new();
    for task in std::fs::read_dir(&dir).with_context(|| format!("listing {dir}"))? {
        let path = task?.path();
        // A thread can end between the listing and the read: skip it.
        let (Ok(comm), Ok(stat)) = (
            std::fs::read_to_string(path.join("comm")),
            std::fs::read_to_string(path.join("stat")),
        ) else {
            continue;
        };
        if let Some(cpu) = parse_stat_cpu(&stat) {
            *by_name.entry(comm.trim().to_owned()).or_default() += cpu;
        }
    }
    Ok(by_name)
}

/// Per-name CPU used between two [`thread_cpu`] readings, largest first.
pub fn thread_cpu_delta(
    before: &BTreeMap<String, Duration>,
    after: &BTreeMap<String, Duration>,
) -> Vec<(String, Duration)> {
    let mut rows: Vec<(String, Duration)> = after
        .iter()
        .map(|(name, cpu)| {
            let earlier = before.get(name).copied().unwrap_or_default();
            (name.clone(), cpu.saturating_sub(earlier))
        })
        .filter(|(_, cpu)| !cpu.is_zero())
        .collect();
    rows.sort_by_key(|row| std::cmp::Reverse(row.1));
    rows
}

/// utime + stime of a `stat` line. The command name may contain spaces and parentheses; the
/// fields after its last `)` do not: state is the first of them, utime the 12th, stime the 13th.
fn parse_stat_cpu(stat: &str) -> Option<Duration> {
    let (_, rest) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u32 = fields.get(11)?.parse().ok()?;
    let stime: u32 = fields.get(12)?.parse().ok()?;
    Some(TICK * (utime + stime))
}

/// "N cores, load average a b c": the machine is shared, and turn throughput is CPU-bound, so
/// every result is printed with the load it was measured under.
pub fn machine_line() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| "unknown".to_owned());
    format!("{cores} cores, load average {load} (1/5/15 min) at the start")
}

pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn stat_cpu_fields_are_found_after_the_command_name() {
        let line = "42 (tokio (rt) x) S 1 42 42 0 -1 4194560 100 0 0 0 250 30 0 0 20 0 3 0";
        assert_eq!(parse_stat_cpu(line), Some(Duration::from_millis(2800)));
        assert_eq!(parse_stat_cpu("42 (short) S 1"), None);
    }

    #[test]
    fn own_rss_and_cpu_are_readable() {
        assert!(rss_kib(std::process::id()).unwrap() > 0);
        // Burn some CPU so the counters cannot stay at zero by rounding.
        let started = Instant::now();
        let mut x = 0u64;
        while started.elapsed() < Duration::from_millis(50) {
            x = x.wrapping_mul(31).wrapping_add(7);
        }
        assert_ne!(x, 1);
        assert!(cpu_time("self").unwrap() >= TICK);
        let threads = thread_cpu("self").unwrap();
        assert!(threads.values().any(|cpu| *cpu >= TICK), "{threads:?}");
    }

    #[test]
    fn the_machine_line_names_cores_and_load() {
        let line = machine_line();
        assert!(line.contains("cores, load average"), "{line}");
        assert!(!line.contains("unknown"), "{line}");
    }

    #[test]
    fn deltas_drop_idle_threads_and_sort_busiest_first() {
        let before = BTreeMap::from([
            ("a".to_owned(), Duration::from_millis(10)),
            ("b".to_owned(), Duration::from_millis(10)),
        ]);
        let after = BTreeMap::from([
            ("a".to_owned(), Duration::from_millis(10)),
            ("b".to_owned(), Duration::from_millis(30)),
            ("c".to_owned(), Duration::from_millis(50)),
        ]);
        let rows = thread_cpu_delta(&before, &after);
        assert_eq!(
            rows,
            vec![
                ("c".to_owned(), Duration::from_millis(50)),
                ("b".to_owned(), Duration::from_millis(20)),
            ]
        );
    }
}
