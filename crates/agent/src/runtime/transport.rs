//! The provider HTTP client, shared by every turn and built on first use.

use openclaw_providers::HttpTransport;

/// The provider HTTP client, built on first use: its TLS set-up (root certificates) is the
/// largest single allocation of an idle gateway, and a gateway that never calls a model should
/// not pay for it.
pub struct LazyTransport {
    limits: openclaw_providers::HttpLimits,
    recorder: Option<openclaw_providers::Recorder>,
    cell: std::sync::OnceLock<HttpTransport>,
}

impl LazyTransport {
    pub fn new(
        limits: openclaw_providers::HttpLimits,
        recorder: Option<openclaw_providers::Recorder>,
    ) -> Self {
        Self {
            limits,
            recorder,
            cell: std::sync::OnceLock::new(),
        }
    }

    /// The shared client (built now if this is the first call).
    pub fn get(&self) -> Result<HttpTransport, openclaw_providers::ProviderError> {
        if let Some(transport) = self.cell.get() {
            return Ok(transport.clone());
        }
        let mut transport = HttpTransport::new(self.limits)?;
        if let Some(recorder) = &self.recorder {
            transport = transport.with_recorder(recorder.clone());
        }
        Ok(self.cell.get_or_init(|| transport).clone())
    }
}
