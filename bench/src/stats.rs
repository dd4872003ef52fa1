//! Latency samples and their percentiles.

use std::time::Duration;

/// Latencies of completed operations, in microseconds (u32 holds 71 minutes).
#[derive(Debug, Default, Clone)]
pub struct Samples {
    micros: Vec<u32>,
}

impl Samples {
    pub fn push(&mut self, latency: Duration) {
        self.micros
            .push(u32::try_from(latency.as_micros()).unwrap_or(u32::MAX));
    }

    pub fn merge(&mut self, other: Samples) {
        self.micros.extend(other.micros);
    }

    pub fn len(&self) -> usize {
        self.micros.len()
    }

    pub fn summary(mut self) -> Summary {
        self.micros.sort_unstable();
        let count = self.micros.len();
        let pick = |q: f64| -> Duration {
            if count == 0 {
                return Duration::ZERO;
            }
            // Nearest-rank percentile: the smallest sample with at least q of all at or below it.
            let rank = ((q * count as f64).ceil() as usize).clamp(1, count);
            Duration::from_micros(u64::from(self.micros[rank - 1]))
        };
        let mean = if count == 0 {
            Duration::ZERO
        } else {
            let total: u64 = self.micros.iter().map(|&m| u64::from(m)).sum();
            Duration::from_micros(total / count as u64)
        };
        Summary {
            count,
            p50: pick(0.50),
            p99: pick(0.99),
            max: pick(1.0),
            mean,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub count: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    pub mean: Duration,
}

pub fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut samples = Samples::default();
        for us in (1..=100).rev() {
            samples.push(Duration::from_micros(us));
        }
        let s = samples.summary();
        assert_eq!(s.count, 100);
        assert_eq!(s.p50, Duration::from_micros(50));
        assert_eq!(s.p99, Duration::from_micros(99));
        assert_eq!(s.max, Duration::from_micros(100));
        assert_eq!(s.mean, Duration::from_micros(50));
    }

    #[test]
    fn a_single_sample_is_every_percentile() {
        let mut samples = Samples::default();
        samples.push(Duration::from_millis(3));
        let s = samples.summary();
        let three = Duration::from_millis(3);
        assert_eq!((s.p50, s.p99, s.max), (three, three, three));
    }

    #[test]
    fn empty_samples_summarise_to_zero() {
        let s = Samples::default().summary();
        assert_eq!(s.count, 0);
        assert_eq!(s.p99, Duration::ZERO);
    }
}
