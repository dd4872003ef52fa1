//! `GET /v1/models` and `GET /v1/models/{id}`: the agents, as OpenAI model objects. Served
//! when either POST endpoint is enabled (OpenClaw's rule); the list is `openclaw`,
//! `openclaw/default`, `openclaw/<default agent>`, then every configured agent.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use openclaw_config::Config;
use serde_json::{Value, json};

use super::request::agent_from_model;
use super::{ApiError, json_response};
use crate::http::AppState;

fn enabled(config: &Config) -> bool {
    super::chat_completions_enabled(config) || super::responses_enabled(config)
}

/// Every model id this gateway answers to, without duplicates.
pub fn model_ids(config: &Config) -> Vec<String> {
    let mut ids = vec![
        "openclaw".to_owned(),
        "openclaw/default".to_owned(),
        format!("openclaw/{}", config.default_agent_id()),
    ];
    for agent in config.agent_ids() {
        let id = format!("openclaw/{agent}");
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

fn model_object(id: &str) -> Value {
    json!({"id": id, "object": "model", "created": 0, "owned_by": "openclaw", "permission": []})
}

pub async fn list(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let snapshot = state.shared.snapshot.load_full();
    let config = snapshot.config();
    if let Some(response) = super::refusal(
        &state,
        enabled(config),
        request.method(),
        Method::GET,
        peer,
        request.headers(),
    ) {
        return response;
    }
    let data: Vec<Value> = model_ids(config)
        .iter()
        .map(|id| model_object(id))
        .collect();
    json_response(StatusCode::OK, &json!({"object": "list", "data": data}))
}

pub async fn detail(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let snapshot = state.shared.snapshot.load_full();
    let config = snapshot.config();
    if let Some(response) = super::refusal(
        &state,
        enabled(config),
        request.method(),
        Method::GET,
        peer,
        request.headers(),
    ) {
        return response;
    }
    if id.is_empty() {
        return ApiError::InvalidRequest("Missing model id: use GET /v1/models/<id>.".into())
            .into_response();
    }
    if let Err(err) = agent_from_model(&id) {
        return err.into_response();
    }
    if !model_ids(config).contains(&id) {
        return ApiError::NotFound(format!(
            "Model '{id}' not found. GET /v1/models lists the available ones."
        ))
        .into_response();
    }
    json_response(StatusCode::OK, &model_object(&id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_2026_9_6_capture() {
        let config: Config = serde_json::from_value(json!({
            "agents": {"list": [{"id": "main"}, {"id": "Beta"}]},
        }))
        .unwrap();
        assert_eq!(
            model_ids(&config),
            [
                "openclaw",
                "openclaw/default",
                "openclaw/main",
                "openclaw/beta"
            ]
        );
        assert_eq!(
            model_ids(&Config::default()),
            ["openclaw", "openclaw/default", "openclaw/main"]
        );
    }
}
