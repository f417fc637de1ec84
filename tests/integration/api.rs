//! The real handlers, through the real AWS SDK, against moto's DynamoDB.

use std::sync::Arc;

use lapor_integration_tests::*;
use lapor_shared::ports::FixedClock;
use serde_json::{Value, json};
use time::macros::datetime;

/// Monday 11 November 2024, 09:00 WIB: the launch day of Lapor Mas Wapres.
const LAUNCH: time::OffsetDateTime = datetime!(2024-11-11 02:00 UTC);

fn submit_state(ctx: &Ctx) -> submit_report::State<FixedClock> {
    submit_report::build(&ctx.config, &ctx.env("SubmitReportFunction"))
        .unwrap()
        .with_clock(FixedClock(LAUNCH))
}

fn get_state(ctx: &Ctx, now: time::OffsetDateTime) -> get_report::State<FixedClock> {
    get_report::build(&ctx.config, &ctx.env("GetReportFunction"))
        .unwrap()
        .with_clock(FixedClock(now))
}

/// `GET path` through the get-report handler, as API Gateway would invoke it.
async fn lookup(
    state: &get_report::State<impl lapor_shared::ports::Clock>,
    path: &str,
    headers: &[(&str, &str)],
) -> lambda_http::Response<lambda_http::Body> {
    get_report::handle(state, request("GET", path, headers, None))
        .await
        .unwrap()
}

fn fields(v: &Value) -> Vec<(String, String)> {
    v["error"]["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["field"].as_str().unwrap_or("").into(),
                        f["code"].as_str().unwrap_or("").into(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn submit_then_track() {
    let ctx = Ctx::new().await;
    let submit = submit_state(&ctx);
    let body = valid_submission("Dewi Lestari", "3273015502880007", "0813-1111-2222");
    let resp = submit_report::handle(&submit, json_post("/v1/reports", &body, &[]))
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let created = body_json(&resp);
    assert_eq!(created["status"], "received");
    assert_eq!(created["submitted_at"], "2024-11-11T09:00:00+07:00");
    assert_eq!(
        created["due_date"], "2024-12-02",
        "14th working day, skipping the 27 Nov election holiday"
    );
    let number = created["registration_number"].as_str().unwrap().to_string();
    let token = created["tracking_token"].as_str().unwrap().to_string();
    assert_eq!(number.len(), 11);

    // Stored: report, identity apart from it, one timeline event; token only as a hash.
    assert_eq!(ctx.count_entities("report").await, 1);
    assert_eq!(ctx.count_entities("identity").await, 1);
    assert_eq!(ctx.count_entities("event").await, 1);
    let dump = format!("{:?}", ctx.items().await);
    assert!(
        !dump.contains(&token),
        "the tracking token is stored only as a hash"
    );

    // Stage view: exactly the promised fields.
    let get = get_state(&ctx, LAUNCH);
    let resp = lookup(&get, &format!("/v1/reports/{number}"), &[]).await;
    assert_eq!(resp.status(), 200);
    let stage = body_json(&resp);
    let mut keys: Vec<_> = stage.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "due_date",
            "overdue",
            "registration_number",
            "status",
            "status_label",
            "submitted_at"
        ]
    );
    assert_eq!(stage["status"], "received");
    assert_eq!(stage["status_label"], "Diterima");
    assert_eq!(stage["due_date"], "2024-12-02");
    assert_eq!(stage["overdue"], false);

    // Lenient number: lower case, no dash, O for 0 / L for 1 where they occur.
    let sloppy = number
        .replace('-', "")
        .to_lowercase()
        .replace('0', "o")
        .replace('1', "l");
    let resp = lookup(&get, &format!("/v1/reports/{sloppy}"), &[]).await;
    assert_eq!(resp.status(), 200);

    // Past the due date, still open: overdue, honestly.
    let late = get_state(&ctx, datetime!(2024-12-03 02:00 UTC));
    let resp = lookup(
        &late,
        &format!("/v1/reports/{number}"),
        &[("accept-language", "en")],
    )
    .await;
    let stage = body_json(&resp);
    assert_eq!(
        (stage["overdue"].as_bool(), stage["status_label"].as_str()),
        (Some(true), Some("Received"))
    );

    // Full view with the token: content and timeline, never the identity.
    let resp = lookup(
        &get,
        &format!("/v1/reports/{number}"),
        &[("x-tracking-token", &token)],
    )
    .await;
    assert_eq!(resp.status(), 200);
    let full = body_json(&resp);
    assert_eq!(full["title"], "Bantuan sosial tidak tersalurkan");
    assert_eq!(full["category"], "bansos");
    assert_eq!(full["location"]["regency_code"], "3273");
    assert_eq!(full["privacy"], "standard");
    assert_eq!(full["timeline"].as_array().unwrap().len(), 1);
    assert_eq!(full["timeline"][0]["type"], "submitted");
    assert_eq!(full["timeline"][0]["status"], "received");
    let text = full.to_string();
    for secret in [
        "Dewi Lestari",
        "3273015502880007",
        "+6281311112222",
        "warga@example.id",
    ] {
        assert!(!text.contains(secret), "identity leaked into the full view");
    }

    // A wrong token is refused.
    let resp = lookup(
        &get,
        &format!("/v1/reports/{number}"),
        &[("x-tracking-token", "0000000000000000000000000000000A")],
    )
    .await;
    assert_eq!(resp.status(), 403);
    assert_eq!(body_json(&resp)["error"]["code"], "invalid_tracking_token");
}

#[tokio::test]
async fn lookup_errors_are_precise() {
    let ctx = Ctx::new().await;
    let get = get_state(&ctx, LAUNCH);
    let created = {
        let s = submit_state(&ctx);
        body_json(
            &submit_report::handle(
                &s,
                json_post(
                    "/v1/reports",
                    &valid_submission("Agus", "3171011208900001", "081234567890"),
                    &[],
                ),
            )
            .await
            .unwrap(),
        )
    };
    let number = created["registration_number"].as_str().unwrap();
    // One mistyped character: the check character catches it.
    let mut typo: Vec<char> = number.chars().collect();
    typo[2] = if typo[2] == 'A' { 'B' } else { 'A' };
    let typo: String = typo.into_iter().collect();
    for (path, status, code) in [
        (
            "/v1/reports/ABC".to_string(),
            400,
            "invalid_registration_number",
        ),
        (
            "/v1/reports/UUUUU-UUUUU".to_string(),
            400,
            "invalid_registration_number",
        ),
        (
            format!("/v1/reports/{typo}"),
            400,
            "invalid_registration_number",
        ),
        (
            "/v1/reports/7M2QK-D9XZ5".to_string(),
            404,
            "report_not_found",
        ),
    ] {
        let resp = lookup(&get, &path, &[]).await;
        assert_eq!(resp.status(), status, "{path}");
        let v = body_json(&resp);
        assert_eq!(v["error"]["code"], code, "{path}");
        assert!(!v["error"]["message"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn bad_input_matrix_answers_4xx_names_the_field_and_writes_nothing() {
    let ctx = Ctx::new().await;
    let submit = submit_state(&ctx);
    let good = valid_submission("Rina", "3171015208900001", "081234567890");
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        f(&mut v);
        v
    };
    // (request, status, error code, field named)
    type Case<'a> = (
        lambda_http::Request,
        u16,
        &'a str,
        Option<(&'a str, &'a str)>,
    );
    let invalid =
        |m: &dyn Fn(&mut Value), field: &'static str, code: &'static str| -> Case<'static> {
            (
                json_post("/v1/reports", &with(m), &[]),
                422,
                "validation_failed",
                Some((field, code)),
            )
        };
    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        (
            request(
                "POST",
                "/v1/reports",
                &[("content-type", "text/plain")],
                Some(good.to_string().as_bytes()),
            ),
            415,
            "unsupported_media_type",
            None,
        ),
        (
            request(
                "POST",
                "/v1/reports",
                &[],
                Some(good.to_string().as_bytes()),
            ),
            415,
            "unsupported_media_type",
            None,
        ),
        (
            request(
                "POST",
                "/v1/reports",
                &[("content-type", "application/json")],
                Some(b"{not json"),
            ),
            400,
            "invalid_json",
            None,
        ),
        (
            request(
                "POST",
                "/v1/reports",
                &[("content-type", "application/json")],
                Some(b"[1,2]"),
            ),
            400,
            "invalid_json",
            None,
        ),
        (
            request(
                "POST",
                "/v1/reports",
                &[("content-type", "application/json")],
                None,
            ),
            400,
            "invalid_json",
            None,
        ),
        (
            request(
                "POST",
                "/v1/reports",
                &[("content-type", "application/json")],
                Some(&[0xff, 0xfe, 0x00]),
            ),
            400,
            "invalid_json",
            None,
        ),
        (
            request(
                "POST",
                "/v1/reports",
                &[("content-type", "application/json")],
                Some(format!("{{\"title\":\"{}\"}}", "x".repeat(70_000)).as_bytes()),
            ),
            413,
            "payload_too_large",
            None,
        ),
        (
            json_post("/v1/reports", &good, &[("idempotency-key", "has space")]),
            400,
            "invalid_idempotency_key",
            None,
        ),
        invalid(&|v| { v["surprise"] = json!(true); }, "surprise", "unknown_field"),
        invalid(&|v| { v["reporter"]["ktp"] = json!("x"); }, "reporter.ktp", "unknown_field"),
        invalid(&|v| { v.as_object_mut().unwrap().remove("title"); }, "title", "required"),
        invalid(&|v| { v["title"] = json!(42); }, "title", "invalid_type"),
        invalid(&|v| { v["title"] = json!("x".repeat(151)); }, "title", "too_long"),
        invalid(&|v| { v["description"] = json!("terlalu pendek"); }, "description", "too_short"),
        invalid(&|v| { v["kind"] = json!("protest"); }, "kind", "invalid_value"),
        invalid(&|v| { v["category"] = json!("cuaca"); }, "category", "invalid_value"),
        invalid(&|v| { v["privacy"] = json!("public"); }, "privacy", "invalid_value"),
        invalid(&|v| { v["reporter"]["nik"] = json!("3171019908900001"); }, "reporter.nik", "invalid_nik"),
        invalid(&|v| { v["reporter"]["nik"] = json!("0071011208900001"); }, "reporter.nik", "invalid_nik"),
        invalid(&|v| { v["reporter"]["phone"] = json!("12345"); }, "reporter.phone", "invalid_phone"),
        invalid(&|v| { v["reporter"]["email"] = json!("bukan-email"); }, "reporter.email", "invalid_email"),
        invalid(&|v| { v["incident_date"] = json!("2099-01-01"); }, "incident_date", "future_date"),
        invalid(&|v| { v["incident_date"] = json!("kemarin"); }, "incident_date", "invalid_format"),
        invalid(&|v| { v["location"]["province_code"] = json!("99"); }, "location.province_code", "invalid_value"),
        invalid(&|v| { v["consent"] = json!(false); }, "consent", "consent_required"),
        invalid(&|v| { v["privacy"] = json!("anonymous"); }, "reporter", "not_allowed"),
        invalid(&|v| { v.as_object_mut().unwrap().remove("reporter"); }, "reporter", "required"),
        invalid(&|v| { v["attachments"] = json!(["../../etc/passwd"]); }, "attachments[0]", "invalid_format"),
    ];
    let n = cases.len();
    for (i, (req, status, code, field)) in cases.into_iter().enumerate() {
        let resp = submit_report::handle(&submit, req).await.unwrap();
        let v = body_json(&resp);
        assert_eq!(resp.status().as_u16(), status, "case {i}: {v}");
        assert_eq!(v["error"]["code"], code, "case {i}");
        assert!(
            !v["error"]["message"].as_str().unwrap().is_empty(),
            "case {i}: Indonesian message"
        );
        if let Some((f, c)) = field {
            assert!(
                fields(&v).contains(&(f.to_string(), c.to_string())),
                "case {i}: {f}/{c} not in {v}"
            );
        }
    }
    assert!(n >= 25);
    assert_eq!(
        ctx.items().await.len(),
        0,
        "no item may be written for a refused request"
    );
}

#[tokio::test]
async fn twenty_concurrent_retries_with_one_key_make_one_report() {
    let ctx = Ctx::new().await;
    let submit = Arc::new(submit_state(&ctx));
    let body = valid_submission("Yusuf", "3578010101900011", "+62 811 1704 2207");
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (submit, body) = (submit.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let resp = submit_report::handle(
                &submit,
                json_post(
                    "/v1/reports",
                    &body,
                    &[("idempotency-key", "surge-2024-11-11-0001")],
                ),
            )
            .await
            .unwrap();
            (resp.status().as_u16(), body_bytes(&resp))
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    assert!(
        answers.iter().all(|(s, _)| *s == 201),
        "statuses: {:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    assert!(
        answers.windows(2).all(|w| w[0].1 == w[1].1),
        "all 20 answers are byte-identical"
    );
    assert_eq!(ctx.count_entities("report").await, 1);
    assert_eq!(ctx.count_entities("event").await, 1);
    assert_eq!(ctx.count_entities("idempotency").await, 1);
    let dump = format!("{:?}", ctx.items().await);
    let token = serde_json::from_slice::<Value>(&answers[0].1).unwrap()["tracking_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        !dump.contains(&token),
        "the replayable answer is stored sealed, not in clear"
    );

    // Same key, different body: refused, nothing new written.
    let mut other = body.clone();
    other["title"] = json!("Judul lain untuk laporan lain");
    let resp = submit_report::handle(
        &submit,
        json_post(
            "/v1/reports",
            &other,
            &[("idempotency-key", "surge-2024-11-11-0001")],
        ),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 422);
    assert_eq!(body_json(&resp)["error"]["code"], "idempotency_key_reused");
    assert_eq!(ctx.count_entities("report").await, 1);

    // Without a key, twenty concurrent submissions are twenty reports.
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (submit, body) = (submit.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            submit_report::handle(&submit, json_post("/v1/reports", &body, &[]))
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 201);
    }
    assert_eq!(ctx.count_entities("report").await, 21);
}

#[tokio::test]
async fn unreachable_store_answers_503_not_500_or_a_hang() {
    let ctx = Ctx::new().await;
    // A port nobody listens on.
    let config = sdk_config_for("http://127.0.0.1:9").await;
    let submit = submit_report::build(&config, &ctx.env("SubmitReportFunction")).unwrap();
    let started = std::time::Instant::now();
    let resp = submit_report::handle(
        &submit,
        json_post(
            "/v1/reports",
            &valid_submission("Tono", "3171011208900001", "081234567890"),
            &[],
        ),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(body_json(&resp)["error"]["code"], "service_unavailable");
    assert_eq!(resp.headers()["retry-after"], "1");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(9),
        "answered within the Lambda timeout"
    );
    let get = get_report::build(&config, &ctx.env("GetReportFunction")).unwrap();
    let resp = lookup(&get, "/v1/reports/7M2QK-D9XZ5", &[]).await;
    assert_eq!(resp.status(), 503);
}

#[tokio::test]
async fn sample_events_drive_the_handlers() {
    let ctx = Ctx::new().await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
    let load = |name: &str| {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let submit = submit_state(&ctx);
    let resp = submit_report::handle(&submit, load("submit-report.json"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", body_json(&resp));
    assert_eq!(ctx.count_entities("report").await, 1);

    let get = get_state(&ctx, LAUNCH);
    let resp = get_report::handle(&get, load("get-report.json"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.headers()["content-language"], "en");
    assert_eq!(
        body_json(&resp)["error"]["message"],
        "No report has this registration number."
    );

    let resp = list_categories::handle(load("list-categories.json"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let cats = body_json(&resp);
    let cats = cats["categories"].as_array().unwrap();
    assert!(cats.len() >= 10);
    let tppo = cats.iter().find(|c| c["code"] == "tppo").unwrap();
    assert_eq!(tppo["name_en"], "Human trafficking");
    assert!(
        tppo["default_agencies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["code"] == "polri")
    );
}

#[tokio::test]
async fn the_local_router_serves_the_template_routes() {
    let ctx = Ctx::new().await;
    let template = template();
    let routes = template.routes();
    let stack =
        lapor_local::stack::build(&template, &template.functions(), &ctx.config, &ctx.tables)
            .unwrap();
    let app = lapor_local::server::router(&routes, &stack.http, None);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let body = valid_submission("Wati", "3171015208900001", "081234567890").to_string();
    let (status, text) = http(addr, &format!(
        "POST /v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )).await;
    assert_eq!(status, 201, "{text}");
    let created: Value = serde_json::from_str(&text).unwrap();
    let number = created["registration_number"].as_str().unwrap();
    let (status, text) = http(
        addr,
        &format!("GET /v1/reports/{number} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["status"],
        "received"
    );
    let (status, _) = http(
        addr,
        "GET /v1/categories HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, 200);
    let (status, text) = http(
        addr,
        "GET /v1/nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, 404);
    assert!(text.contains("not_found"));
    // A number that does not even decode: the function answers, in the service's body.
    let (status, text) = http(
        addr,
        "GET /v1/reports/%ff%fe HTTP/1.1\r\nHost: x\r\nAccept-Language: en\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, 400, "{text}");
    let error: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(error["error"]["code"], "invalid_registration_number");
    server.abort();
}

#[tokio::test]
async fn staff_routes_check_the_token_before_the_path_and_its_kind_after() {
    let st = Stack::start(&[], false).await;
    // No token: the authorizer's 401, however broken the path.
    let (status, body) = st.call("GET", "/v1/staff/reports/%ff%fe", &[], None).await;
    assert_eq!(status, 401);
    assert_eq!(body, json!({"message": "Unauthorized"}));
    // A valid token: the staff function answers for the path, in its own error body.
    let analyst = format!(
        "Bearer {}",
        st.auth.mint(
            "analyst-1",
            &["analyst"],
            std::time::Duration::from_secs(60)
        )
    );
    let (status, body) = st
        .call(
            "GET",
            "/v1/staff/reports/%ff%fe",
            &[("authorization", &analyst)],
            None,
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "invalid_registration_number");
    // A token of the pool's app client that is not an access or ID token: 401.
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let odd = st
        .auth
        .sign(&json!({
            "sub": "analyst-1", "iss": lapor_local::auth::ISSUER,
            "client_id": lapor_local::auth::AUDIENCE, "exp": now + 60,
            "token_use": "refresh", "cognito:groups": ["analyst"]
        }))
        .unwrap();
    let odd = format!("Bearer {odd}");
    let (status, body) = st
        .call("GET", "/v1/staff/reports", &[("authorization", &odd)], None)
        .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "unauthorized");
}

/// One HTTP/1.1 exchange on loopback; returns (status, body).
async fn http(addr: std::net::SocketAddr, raw: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(raw.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    // Chunked bodies are not used by the router (full bodies), keep it simple.
    (status, body)
}

#[tokio::test]
async fn no_log_line_carries_personal_data() {
    let ctx = Ctx::new().await;
    let submit = submit_state(&ctx);
    let get = get_state(&ctx, LAUNCH);
    let (name, nik, phone, email) = (
        "Kartini Rahayu",
        "3374016104870003",
        "0857-7777-8888",
        "warga@example.id",
    );
    let body = valid_submission(name, nik, phone);
    let description = body["description"].as_str().unwrap().to_string();
    let resp = submit_report::handle(
        &submit,
        json_post("/v1/reports", &body, &[("idempotency-key", "pii-check")]),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 201);
    let created = body_json(&resp);
    let token = created["tracking_token"].as_str().unwrap();
    let number = created["registration_number"].as_str().unwrap();
    // Replays, refusals and lookups log too.
    submit_report::handle(
        &submit,
        json_post("/v1/reports", &body, &[("idempotency-key", "pii-check")]),
    )
    .await
    .unwrap();
    let mut bad = body.clone();
    bad["reporter"]["nik"] = json!("3374019904870003");
    submit_report::handle(&submit, json_post("/v1/reports", &bad, &[]))
        .await
        .unwrap();
    lookup(
        &get,
        &format!("/v1/reports/{number}"),
        &[("x-tracking-token", token)],
    )
    .await;
    lookup(
        &get,
        &format!("/v1/reports/{number}"),
        &[("x-tracking-token", "WRONG")],
    )
    .await;

    let logs = captured_logs();
    assert!(
        logs.contains("report submitted"),
        "the capture works: {}",
        logs.len()
    );
    assert!(logs.contains("validation_failed"));
    for secret in [
        name,
        nik,
        "3374019904870003",
        "+6285777778888",
        "0857-7777-8888",
        email,
        &description,
        token,
    ] {
        assert!(
            !logs.contains(secret),
            "personal data or a secret in the logs"
        );
    }
}
