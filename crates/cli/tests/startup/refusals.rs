//! Every way `openclaw gateway` refuses to start: exact first lines (OpenClaw's wording) and
//! exit code 1 (spec §1.1, §2.1 steps 4, 5 and 7).

use serde_json::json;

use crate::{Sandbox, assert_refused, fixture, local, message_lines, unique_port};

#[tokio::test]
async fn invalid_port_values_are_refused() {
    let sandbox = Sandbox::new();
    for value in ["abc", "0", "70000", "12.5"] {
        let out = sandbox.run(&["gateway", "--port", value], &[]).await;
        assert_refused(&out, &["Invalid port"]);
    }
}

#[tokio::test]
async fn invalid_bind_and_auth_values_are_refused() {
    let sandbox = Sandbox::new();
    let out = sandbox.run(&["gateway", "--bind", "public"], &[]).await;
    assert_refused(
        &out,
        &[r#"Invalid --bind (use "loopback", "lan", "tailnet", "auto", or "custom")"#],
    );
    let out = sandbox.run(&["gateway", "--auth", "oauth"], &[]).await;
    assert_refused(&out, &[r#"Invalid --auth (use "token" or "password")"#]);
}

#[tokio::test]
async fn mode_guard_without_a_config_file() {
    let sandbox = Sandbox::new();
    let port = unique_port().to_string();
    let out = sandbox
        .run(
            &["gateway", "--port", &port],
            &[("OPENCLAW_GATEWAY_TOKEN", "t")],
        )
        .await;
    assert_refused(
        &out,
        &[
            "Missing config. Run `openclaw setup` or set gateway.mode=local (or pass --allow-unconfigured).",
        ],
    );
    assert!(
        !sandbox.config_path().exists(),
        "the guard must not create a config"
    );
}

#[tokio::test]
async fn mode_guard_names_the_current_mode() {
    let sandbox = Sandbox::new();
    let port = unique_port().to_string();
    let env = [("OPENCLAW_GATEWAY_TOKEN", "t")];

    sandbox.write_config(json!({"gateway": {"port": 18789}}));
    let out = sandbox.run(&["gateway", "--port", &port], &env).await;
    assert_refused(
        &out,
        &[
            "Gateway start blocked: set gateway.mode=local (current: unset) or pass --allow-unconfigured.",
        ],
    );

    sandbox.write_config(json!({
        "gateway": {"mode": "remote", "remote": {"url": "ws://gateway.example:18789"}}
    }));
    let out = sandbox.run(&["gateway", "--port", &port], &env).await;
    assert_refused(
        &out,
        &[
            "Gateway start blocked: set gateway.mode=local (current: remote) or pass --allow-unconfigured.",
        ],
    );
}

#[tokio::test]
async fn token_mode_without_a_token_is_refused_even_on_loopback() {
    let sandbox = Sandbox::new();
    sandbox.write_config(local(json!({})));
    let port = unique_port().to_string();
    let out = sandbox.run(&["gateway", "--port", &port], &[]).await;
    assert_refused(
        &out,
        &[
            "Gateway auth is set to token, but no token is configured.",
            "Set gateway.auth.token (or OPENCLAW_GATEWAY_TOKEN), or pass --token.",
        ],
    );
}

#[tokio::test]
async fn password_mode_without_a_password_is_refused() {
    let sandbox = Sandbox::new();
    sandbox.write_config(local(json!({})));
    let port = unique_port().to_string();
    // A token does not satisfy password mode.
    let out = sandbox
        .run(
            &["gateway", "--port", &port, "--auth", "password"],
            &[("OPENCLAW_GATEWAY_TOKEN", "t")],
        )
        .await;
    assert_refused(
        &out,
        &[
            "Gateway auth is set to password, but no password is configured.",
            "Set gateway.auth.password (or OPENCLAW_GATEWAY_PASSWORD), or pass --password.",
        ],
    );
}

#[tokio::test]
async fn lan_without_auth_is_refused_with_the_gateway_token_hint() {
    let sandbox = Sandbox::new();
    // `gateway.token` is the common mistake: it looks like auth but does not enable it.
    sandbox.write_config(local(json!({"token": "misplaced"})));
    let port = unique_port().to_string();
    let out = sandbox
        .run(&["gateway", "--port", &port, "--bind", "lan"], &[])
        .await;
    assert_refused(
        &out,
        &[
            "Refusing to bind gateway to lan without auth.",
            "Set gateway.auth.token/password (or OPENCLAW_GATEWAY_TOKEN/OPENCLAW_GATEWAY_PASSWORD) or pass --token/--password.",
            r#"Found "gateway.token" in config. Use "gateway.auth.token" instead."#,
        ],
    );
}

#[tokio::test]
async fn remote_token_hint_explains_it_does_not_enable_local_auth() {
    let sandbox = Sandbox::new();
    sandbox.write_config(local(json!({"remote": {"token": "for-remote-calls"}})));
    let port = unique_port().to_string();
    let out = sandbox.run(&["gateway", "--port", &port], &[]).await;
    assert_refused(
        &out,
        &[
            "Gateway auth is set to token, but no token is configured.",
            "Set gateway.auth.token (or OPENCLAW_GATEWAY_TOKEN), or pass --token.",
            r#""gateway.remote.token" is for remote CLI calls; it does not enable local gateway auth."#,
        ],
    );
}

#[tokio::test]
async fn invalid_config_names_file_line_column_and_suggestion() {
    let sandbox = Sandbox::new();
    std::fs::copy(fixture("typo-config.json5"), sandbox.config_path()).unwrap();
    let port = unique_port().to_string();
    let out = sandbox
        .run(
            &["gateway", "--port", &port, "--allow-unconfigured"],
            &[("OPENCLAW_GATEWAY_TOKEN", "t")],
        )
        .await;
    let path = sandbox.config_path().display().to_string();
    assert_refused(
        &out,
        &[
            &format!("Invalid config at {path}."),
            &format!(r#"{path}:5:5: gateway.prot: unknown key (did you mean "port"?)"#),
            r#"Fix the file ("openclaw config validate" lists every issue), then retry."#,
        ],
    );
    assert_eq!(message_lines(&out.stderr).len(), 3, "{}", out.stderr);
}
