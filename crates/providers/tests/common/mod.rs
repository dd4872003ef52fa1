//! Shared helpers for the wire-client tests.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)] // test helpers may panic; not every test uses every helper

use openclaw_providers::{
    ChatCompat, CompletionRequest, Credential, HttpLimits, HttpTransport, Message, ProviderApi,
    ProviderClient, ProviderEndpoint, ThinkingLevel, ToolSpec,
};
use serde_json::json;

pub fn client(api: ProviderApi, base_url: String, credential: Credential) -> ProviderClient {
    client_with_limits(api, base_url, credential, HttpLimits::default())
}

pub fn client_with_limits(
    api: ProviderApi,
    base_url: String,
    credential: Credential,
    limits: HttpLimits,
) -> ProviderClient {
    let transport = HttpTransport::new(limits).unwrap();
    ProviderClient::new(
        transport,
        ProviderEndpoint {
            provider: "fake".into(),
            api,
            base_url,
            headers: vec![("x-custom".into(), "yes".into())],
            chat_compat: ChatCompat::default(),
        },
        credential,
    )
}

pub fn weather_request() -> CompletionRequest {
    CompletionRequest {
        model: "fake-model".into(),
        system: Some("You are terse.".into()),
        messages: vec![Message::user_text("Weather in Paris?").into()],
        tools: vec![ToolSpec {
            name: "get_weather".into(),
            description: "Current weather for a city".into(),
            input_schema: json!({
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            }),
        }]
        .into(),
        max_tokens: 256,
        thinking: ThinkingLevel::Off,
    }
}
