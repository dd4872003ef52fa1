//! `wss://` remote gateways, as a Fly.io deployment is reached (`wss://<app>.fly.dev`): a
//! TLS-terminating proxy on 127.0.0.1 (Fly's edge, here with the test CA of
//! `fixtures/tls/`) in front of a real gateway. The CLI trusts the system store, which
//! `SSL_CERT_FILE` points at the test CA.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use openclaw_testkit::{GatewayProcess, GatewaySpawn};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use crate::support::{State, bin};

const TOKEN: &str = "wss-remote-token-0123456789abcdef";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tls")
        .join(name)
}

/// Terminates TLS on a free loopback port and forwards each connection to `upstream`; stops
/// with the test's runtime.
async fn tls_proxy(upstream: u16) -> u16 {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(fixture("server.pem"))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_file(fixture("server.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that rejects the certificate ends the handshake: nothing to forward.
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_reaches_a_gateway_behind_tls_and_refuses_an_untrusted_certificate() {
    let mut gateway =
        GatewayProcess::spawn(GatewaySpawn::new(bin()).args(["gateway"]).config_json(
            json!({"gateway": {"mode": "local", "auth": {"mode": "token", "token": TOKEN}}}),
        ))
        .await
        .unwrap();
    gateway.wait_healthy(Duration::from_secs(30)).await.unwrap();
    let port = tls_proxy(gateway.port()).await;
    let url = format!("wss://localhost:{port}");
    let ca = fixture("ca.pem").display().to_string();
    let trust = [("SSL_CERT_FILE", ca.as_str())];

    // Remote mode with a wss:// URL: the handshake goes through TLS and is reported.
    let state = State::new();
    let onboard = state
        .run_env(
            &[
                "onboard",
                "--non-interactive",
                "--mode",
                "remote",
                "--remote-url",
                &url,
                "--remote-token",
                TOKEN,
                "--json",
            ],
            &trust,
        )
        .await;
    assert_eq!(onboard.code, 0, "{}", onboard.text());
    assert_eq!(
        onboard.json()["probe"]["status"],
        "ok",
        "{}",
        onboard.text()
    );

    // Then the client verbs use it from the config.
    let health = state.run_env(&["health", "--json"], &trust).await;
    assert_eq!(health.code, 0, "{}", health.text());
    assert_eq!(health.json()["ok"], true, "{}", health.text());

    // A certificate the system store does not vouch for is refused, saying why.
    let untrusted = state.run(&["health"]).await;
    assert_ne!(untrusted.code, 0, "{}", untrusted.text());
    assert!(
        untrusted.stderr.contains(&url) && untrusted.stderr.to_lowercase().contains("certificate"),
        "{}",
        untrusted.text()
    );
}
