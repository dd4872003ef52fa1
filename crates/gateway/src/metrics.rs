//! Prometheus metrics served at `/metrics` (text exposition format).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DirectionLabel {
    pub direction: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabel {
    pub result: &'static str,
}

/// Every counter the gateway keeps. Cheap to clone (handles are `Arc`s inside).
#[derive(Debug, Default, Clone)]
pub struct Metrics {
    pub ws_connections: Gauge,
    pub ws_connections_total: Counter,
    pub ws_handshakes: Family<ResultLabel, Counter>,
    pub ws_frames: Family<DirectionLabel, Counter>,
    pub auth_failures: Counter,
    pub auth_lockouts: Counter,
    pub config_reloads: Family<ResultLabel, Counter>,
    pub http_requests: Counter,
}

impl Metrics {
    /// Encodes all metrics into Prometheus text format.
    pub fn encode(&self) -> String {
        let mut registry = Registry::with_prefix("openclaw_gateway");
        registry.register(
            "ws_connections",
            "Open WebSocket connections",
            self.ws_connections.clone(),
        );
        registry.register(
            "ws_connections_accepted",
            "WebSocket connections accepted since start",
            self.ws_connections_total.clone(),
        );
        registry.register(
            "ws_handshakes",
            "Completed connect handshakes by result",
            self.ws_handshakes.clone(),
        );
        registry.register(
            "ws_frames",
            "WebSocket frames by direction",
            self.ws_frames.clone(),
        );
        registry.register(
            "auth_failures",
            "Failed gateway authentications",
            self.auth_failures.clone(),
        );
        registry.register(
            "auth_lockouts",
            "Client addresses locked out after repeated auth failures",
            self.auth_lockouts.clone(),
        );
        registry.register(
            "config_reloads",
            "Config reloads by result",
            self.config_reloads.clone(),
        );
        registry.register(
            "http_requests",
            "HTTP requests served",
            self.http_requests.clone(),
        );
        let mut out = String::new();
        // Encoding into a String cannot fail (fmt::Write for String is infallible).
        let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
        out
    }

    pub fn frame_in(&self) {
        self.ws_frames
            .get_or_create(&DirectionLabel { direction: "in" })
            .inc();
    }

    pub fn frame_out(&self) {
        self.ws_frames
            .get_or_create(&DirectionLabel { direction: "out" })
            .inc();
    }

    pub fn reload(&self, result: &'static str) {
        self.config_reloads
            .get_or_create(&ResultLabel { result })
            .inc();
    }

    pub fn handshake(&self, result: &'static str) {
        self.ws_handshakes
            .get_or_create(&ResultLabel { result })
            .inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_counters_in_text_format() {
        let m = Metrics::default();
        m.ws_connections.inc();
        m.auth_failures.inc();
        m.frame_in();
        m.reload("applied");
        let text = m.encode();
        assert!(text.contains("openclaw_gateway_ws_connections 1"), "{text}");
        assert!(
            text.contains("openclaw_gateway_auth_failures_total 1"),
            "{text}"
        );
        assert!(
            text.contains("openclaw_gateway_ws_frames_total{direction=\"in\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("openclaw_gateway_config_reloads_total{result=\"applied\"} 1"),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"));
    }
}
