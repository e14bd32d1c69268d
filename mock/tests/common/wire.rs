//! Raw HTTP to the stand-in: requests with a token of its own, and what came back.

use serde_json::Value;
use servicetitan_mock::MockServer;

/// The customers list of tenant 1.
pub const CUSTOMERS: &str = "/crm/v2/tenant/1/customers";

/// Raw HTTP to the mock, with a token of its own.
pub struct Wire {
    pub http: reqwest::Client,
    pub url: String,
    pub app_key: String,
    pub token: String,
}

/// What came back: status, headers (lower-case names), body as JSON (or `Value::Null`)
/// and as text.
pub struct Got {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub json: Value,
    pub text: String,
}

impl Got {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The fields the `errors` object of an `ApiErrorResponse` names, sorted (the order
    /// of a JSON object's keys depends on serde_json's features).
    pub fn error_fields(&self) -> Vec<String> {
        let mut fields: Vec<String> = self.json["errors"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        fields.sort();
        fields
    }
}

pub async fn token_request(http: &reqwest::Client, url: &str, id: &str, secret: &str) -> Got {
    let body = format!("grant_type=client_credentials&client_id={id}&client_secret={secret}");
    let r = http
        .post(format!("{url}/connect/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("token request");
    got(r).await
}

pub async fn got(r: reqwest::Response) -> Got {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Got {
        status,
        headers,
        json,
        text,
    }
}

impl Wire {
    pub async fn new(mock: &MockServer) -> Wire {
        let http = servicetitan_runtime::http_builder()
            .expect("http")
            .build()
            .expect("http");
        let s = mock.settings();
        // Under chaos the token endpoint fails too: ask again, as a client would.
        let mut t = token_request(&http, &mock.url(), &s.client_id, &s.client_secret).await;
        for _ in 0..20 {
            if t.status == 200 {
                break;
            }
            t = token_request(&http, &mock.url(), &s.client_id, &s.client_secret).await;
        }
        assert_eq!(t.status, 200, "{}", t.text);
        Wire {
            http,
            url: mock.url(),
            app_key: s.app_key.clone(),
            token: t.json["access_token"].as_str().expect("token").to_string(),
        }
    }

    pub async fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Got {
        self.try_send(method, path, body).await.expect("an answer")
    }

    pub async fn try_send(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Got, reqwest::Error> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut r = self
            .http
            .request(method, format!("{}{path}", self.url))
            .header("authorization", format!("Bearer {}", self.token))
            .header("st-app-key", &self.app_key);
        if let Some(b) = body {
            r = r
                .header("content-type", "application/json")
                .body(serde_json::to_vec(b).expect("json"));
        }
        let r = r.send().await?;
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await?;
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Ok(Got {
            status,
            headers,
            json,
            text,
        })
    }
}
