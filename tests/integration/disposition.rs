//! Reports that reach the body with authority: declines and re-routing, agencies added and
//! cases withdrawn, agency deadlines with their reminders and escalations, the due date
//! moved by the days spent waiting for the citizen, and the analysts as a team. Through the
//! local API router and the real event sources on moto.

use std::time::Duration;

use lapor_integration_tests::*;
use lapor_shared::ports::FixedClock;
use serde_json::{Value, json};
use time::macros::datetime;

const WAIT: Duration = Duration::from_secs(20);

/// Submitted (about land in Kota Bandung), analysed and forwarded to `agencies`.
async fn forwarded(st: &Stack, agencies: &[&str]) -> (String, String) {
    let mut body = valid_submission("Siti Rahmawati", "3273015208900002", "081298765432");
    body["category"] = json!("pertanahan");
    let (number, token) = st.submit(&body).await;
    st.act(&number, "analysis", json!({}), 200).await;
    let v = st
        .act(
            &number,
            "forward",
            json!({"agencies": agencies, "note": "Mohon ditindaklanjuti."}),
            200,
        )
        .await;
    assert_eq!(v["cases"].as_array().unwrap().len(), agencies.len(), "{v}");
    (number, token)
}

async fn agency_post(st: &Stack, agency: &str, path: &str, body: Value) -> (u16, Value) {
    st.call(
        "POST",
        path,
        &[("authorization", &st.agency(agency))],
        Some(&body),
    )
    .await
}

async fn staff_get(st: &Stack, group: &str, path: &str) -> (u16, Value) {
    st.call("GET", path, &[("authorization", &st.staff(group))], None)
        .await
}

async fn staff_post(st: &Stack, path: &str, body: Value) -> (u16, Value) {
    st.call(
        "POST",
        path,
        &[("authorization", &st.analyst())],
        Some(&body),
    )
    .await
}

/// Polls until the agency's queue shows something, then acknowledges all of it.
async fn take(st: &Stack, agency: &str) -> Vec<Value> {
    let cases = st.poll_until_cases(agency, WAIT).await;
    for c in &cases {
        let (s, v) = agency_post(
            st,
            agency,
            &format!("/v1/agency/cases/{}/ack", c["case_id"].as_str().unwrap()),
            json!({"receipt": c["receipt"]}),
        )
        .await;
        assert_eq!(s, 200, "{v}");
    }
    cases
}

async fn citizen_view(st: &Stack, number: &str, token: &str) -> Value {
    let (s, v) = st
        .call(
            "GET",
            &format!("/v1/reports/{number}"),
            &[("x-tracking-token", token)],
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v
}

#[tokio::test]
async fn a_declined_report_is_rerouted_to_the_regency_government_and_answered() {
    let mut st = Stack::start(&["kemendagri-dukcapil"], true).await;
    // Kota Bandung's government, registered as the local run registers every body: its
    // queue comes with its first case.
    st.register(&["pemkot-3273"]).await;
    // Sent first to a ministry without authority over a land certificate in Bandung.
    let (number, token) = forwarded(&st, &["kemendagri-dukcapil"]).await;
    let cases = take(&st, "kemendagri-dukcapil").await;
    assert_eq!(cases[0]["state"], "forwarded");
    assert!(cases[0]["response_due_date"].is_string());

    let decline = json!({
        "reason": "not_our_authority",
        "note": "Penerbitan sertifikat adalah urusan kantor pertanahan dan pemerintah kota.",
        "suggested_agencies": ["pemkot-3273"],
    });
    let path = format!("/v1/agency/cases/{number}.kemendagri-dukcapil/decline");
    let (s, first) = agency_post(&st, "kemendagri-dukcapil", &path, decline.clone()).await;
    assert_eq!(s, 200, "{first}");
    assert_eq!(first["state"], "declined");
    assert_eq!(first["report_status"], "in_analysis");
    // A retried decline answers the same.
    let (s, again) = agency_post(&st, "kemendagri-dukcapil", &path, decline).await;
    assert_eq!((s, &again), (200, &first));
    // A declined case takes no answer.
    let (s, v) = agency_post(
        &st,
        "kemendagri-dukcapil",
        &format!("/v1/agency/cases/{number}.kemendagri-dukcapil/responses"),
        json!({"kind": "final", "message": "Selesai."}),
    )
    .await;
    assert_eq!((s, v["error"]["code"].as_str()), (409, Some("case_closed")));

    // Back with the analysts, marked for re-routing, at the top of the triage queue.
    let (s, q) = staff_get(&st, "analyst", "/v1/staff/reports").await;
    assert_eq!(s, 200, "{q}");
    assert_eq!(q["reports"][0]["registration_number"], number.as_str());
    assert_eq!(q["reports"][0]["rerouting"], true);
    let (_, detail) = staff_get(&st, "analyst", &format!("/v1/staff/reports/{number}")).await;
    assert_eq!(detail["rerouting"], true);
    let case = &detail["cases"][0];
    assert_eq!(case["state"], "declined");
    assert_eq!(case["declined"]["reason"]["code"], "not_our_authority");
    assert_eq!(
        case["declined"]["suggested_agencies"][0]["name"],
        "Pemerintah Kota Bandung"
    );
    assert!(
        case["declined"]["note"]
            .as_str()
            .unwrap()
            .contains("kantor pertanahan")
    );

    // Forwarded again, to the city government the ministry named.
    let v = st
        .act(
            &number,
            "forward",
            json!({"agencies": ["pemkot-3273"]}),
            200,
        )
        .await;
    assert_eq!(v["status"], "forwarded");
    let (_, q) = staff_get(&st, "analyst", "/v1/staff/reports?status=forwarded").await;
    assert_eq!(q["reports"][0]["rerouting"], false);
    let cases = take(&st, "pemkot-3273").await;
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0]["case_id"], format!("{number}.pemkot-3273"));
    assert_eq!(
        cases[0]["report"]["location"]["regency_name"],
        "Kota Bandung"
    );
    let (s, v) = agency_post(
        &st,
        "pemkot-3273",
        &format!("/v1/agency/cases/{number}.pemkot-3273/responses"),
        json!({"kind": "final", "message": "Sertifikat telah diterbitkan dan dapat diambil."}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["report_status"], "completed");
    // The ministry's queue no longer shows the case.
    let (s, v) = st
        .call(
            "GET",
            "/v1/agency/cases?wait=1",
            &[("authorization", &st.agency("kemendagri-dukcapil"))],
            None,
        )
        .await;
    assert_eq!((s, v["cases"].as_array().unwrap().len()), (200, 0));

    // The citizen sees both bodies by name, what each said, and the answer.
    let full = citizen_view(&st, &number, &token).await;
    assert_eq!(full["status"], "completed");
    let bodies: Vec<(&str, &str)> = full["bodies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["name"].as_str().unwrap(), b["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        bodies,
        [
            (
                "Direktorat Jenderal Kependudukan dan Pencatatan Sipil, Kementerian Dalam Negeri",
                "declined"
            ),
            ("Pemerintah Kota Bandung", "completed")
        ]
    );
    assert_eq!(full["bodies"][0]["reason"]["code"], "not_our_authority");
    assert_eq!(
        full["bodies"][1]["responses"][0]["message"],
        "Sertifikat telah diterbitkan dan dapat diambil."
    );
    let types: Vec<&str> = full["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert!(types.contains(&"agency_declined"), "{types:?}");
    let text = full.to_string();
    assert!(
        !text.contains("kantor pertanahan dan pemerintah kota"),
        "the agency's note to the analysts stays with them"
    );
}

#[tokio::test]
async fn agencies_are_added_and_withdrawn_and_completion_counts_the_rest() {
    let st = Stack::start(&["kemensos", "pemprov-32", "kemendagri-dukcapil"], true).await;
    let (number, _) = forwarded(&st, &["kemensos"]).await;
    take(&st, "kemensos").await;

    // Two more agencies in the current round; asking again adds nothing.
    let add = format!("/v1/staff/reports/{number}/agencies");
    let (s, v) = staff_post(
        &st,
        &add,
        json!({"agencies": ["pemprov-32", "kemendagri-dukcapil"], "note": "Koordinasi."}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["cases"].as_array().unwrap().len(), 2);
    assert!(v["cases"][0]["response_due_date"].is_string());
    let (s, v) = staff_post(&st, &add, json!({"agencies": ["pemprov-32"]})).await;
    assert_eq!((s, v["cases"].as_array().unwrap().len()), (200, 0));
    let (s, v) = staff_post(&st, &add, json!({"agencies": []})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (422, Some("validation_failed"))
    );
    take(&st, "pemprov-32").await;
    take(&st, "kemendagri-dukcapil").await;

    // Withdrawn from the ministry: its queue gets the withdrawal, then shows nothing.
    let withdraw = format!("/v1/staff/reports/{number}/cases/kemensos/withdraw");
    let (s, v) = staff_post(&st, &withdraw, json!({})).await;
    assert_eq!(
        (s, v["error"]["fields"][0]["field"].as_str()),
        (422, Some("reason"))
    );
    let (s, v) = staff_post(
        &st,
        &withdraw,
        json!({"reason": "Ditangani pemerintah provinsi."}),
    )
    .await;
    assert_eq!((s, v["status"].as_str()), (200, Some("forwarded")), "{v}");
    let told = take(&st, "kemensos").await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0]["trigger"], "withdrawn");
    assert_eq!(told[0]["state"], "withdrawn");
    assert_eq!(
        told[0]["withdrawal"]["reason"],
        "Ditangani pemerintah provinsi."
    );
    let (s, v) = st
        .call(
            "GET",
            "/v1/agency/cases?wait=1",
            &[("authorization", &st.agency("kemensos"))],
            None,
        )
        .await;
    assert_eq!((s, v["cases"].as_array().unwrap().len()), (200, 0));
    let (s, v) = agency_post(
        &st,
        "kemensos",
        &format!("/v1/agency/cases/{number}.kemensos/responses"),
        json!({"kind": "initial", "message": "Diterima."}),
    )
    .await;
    assert_eq!((s, v["error"]["code"].as_str()), (409, Some("case_closed")));
    // Withdrawing it again is harmless; a case never opened is 404.
    let (s, _) = staff_post(&st, &withdraw, json!({"reason": "Sekali lagi."})).await;
    assert_eq!(s, 200);
    let (s, _) = staff_post(
        &st,
        &format!("/v1/staff/reports/{number}/cases/kemenkes/withdraw"),
        json!({"reason": "Tidak ada."}),
    )
    .await;
    assert_eq!(s, 404);

    // One declines, the other answers finally: the report completes.
    let (s, v) = agency_post(
        &st,
        "kemendagri-dukcapil",
        &format!("/v1/agency/cases/{number}.kemendagri-dukcapil/decline"),
        json!({"reason": "duplicate_elsewhere"}),
    )
    .await;
    assert_eq!(
        (s, v["report_status"].as_str()),
        (200, Some("forwarded")),
        "{v}"
    );
    let (s, v) = agency_post(
        &st,
        "pemprov-32",
        &format!("/v1/agency/cases/{number}.pemprov-32/responses"),
        json!({"kind": "final", "message": "Data penerima telah diperbarui."}),
    )
    .await;
    assert_eq!(
        (s, v["report_status"].as_str()),
        (201, Some("completed")),
        "{v}"
    );
    let (_, detail) = staff_get(&st, "analyst", &format!("/v1/staff/reports/{number}")).await;
    let states: Vec<(&str, &str)> = detail["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["agency"]["code"].as_str().unwrap(),
                c["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(states.contains(&("kemensos", "withdrawn")), "{states:?}");
    assert!(
        states.contains(&("kemendagri-dukcapil", "declined")),
        "{states:?}"
    );
    assert!(states.contains(&("pemprov-32", "completed")), "{states:?}");
}

/// A queue subscribed to the operations topic: what the topic published.
async fn subscribe_to_ops_topic(st: &Stack) -> String {
    let topic = st.ctx.tables["OpsAlertsTopic"].clone();
    let name = format!("{}ops-inbox", st.ctx.prefix);
    let url = st
        .sqs
        .create_queue()
        .queue_name(&name)
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let arn = st
        .sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
        .clone();
    aws_sdk_sns::Client::new(&st.ctx.config)
        .subscribe()
        .topic_arn(topic)
        .protocol("sqs")
        .endpoint(arn)
        .attributes("RawMessageDelivery", "true")
        .send()
        .await
        .unwrap();
    url
}

/// Every message on `url` within a few seconds (deleted as read).
async fn drain(st: &Stack, url: &str) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..4 {
        let msgs = st
            .sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap()
            .messages
            .unwrap_or_default();
        for m in msgs {
            out.push(m.body.clone().unwrap_or_default());
            st.sqs
                .delete_message()
                .queue_url(url)
                .receipt_handle(m.receipt_handle.unwrap())
                .send()
                .await
                .unwrap();
        }
    }
    out
}

#[tokio::test]
async fn a_late_case_gets_one_reminder_and_one_escalation() {
    let st = Stack::start(&["kemensos"], true).await;
    let inbox = subscribe_to_ops_topic(&st).await;
    let (number, _) = forwarded(&st, &["kemensos"]).await;
    let cases = take(&st, "kemensos").await;
    let due = cases[0]["response_due_date"].as_str().unwrap().to_string();

    // The deadline function, run twice on a day after the first response was due.
    let due_date = time::Date::parse(
        &due,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .unwrap();
    // The next working day.
    let later = lapor_shared::domain::calendar::Calendar::embedded()
        .unwrap()
        .add_working_days(due_date, 1)
        .unwrap()
        .with_hms(9, 0, 0)
        .unwrap()
        .assume_offset(time::macros::offset!(+7));
    let run = || async {
        let s = deadlines::build(&st.ctx.config, &st.ctx.env("DeadlinesFunction"))
            .unwrap()
            .with_clock(FixedClock(later));
        deadlines::run_once(&s).await.unwrap()
    };
    assert_eq!(run().await.escalated_cases, 1);
    assert_eq!(run().await.escalated_cases, 0, "once per deadline");

    // The agency's own queue: one reminder, with the missed date.
    let reminders = take(&st, "kemensos").await;
    assert_eq!(reminders.len(), 1, "{reminders:?}");
    assert_eq!(reminders[0]["trigger"], "reminder");
    assert_eq!(reminders[0]["case_id"], format!("{number}.kemensos"));
    // The operations topic: one escalation, naming the case, without personal data.
    let published = drain(&st, &inbox).await;
    assert_eq!(published.len(), 1, "{published:?}");
    assert!(published[0].contains(&format!("{number}.kemensos")));
    assert!(published[0].contains("Kementerian Sosial"));
    assert!(!published[0].contains("Siti"));
    assert!(!published[0].contains("3273015208900002"));

    // Supervisors see it; analysts may not.
    let (s, _) = staff_get(&st, "analyst", "/v1/staff/escalations").await;
    assert_eq!(s, 403);
    let supervisor = staff_api::build(&st.ctx.config, &st.ctx.env("StaffApiFunction"))
        .unwrap()
        .with_clock(FixedClock(later));
    let resp = staff_api::handle(
        &supervisor,
        with_claims(
            request("GET", "/v1/staff/escalations", &[], None),
            "supervisor-1",
            "[supervisor]",
        ),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 200);
    let list = body_json(&resp);
    let late: Vec<&Value> = list["escalations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "case_late")
        .collect();
    assert_eq!(late.len(), 1, "{list}");
    assert_eq!(late[0]["case_id"], format!("{number}.kemensos"));
    assert_eq!(late[0]["deadline"], "response");
    assert_eq!(late[0]["due_date"], due.as_str());
    assert_eq!(late[0]["escalated"], true);
    assert_eq!(late[0]["working_days_late"], 1);
    // A supervisor follows it up in the report itself; the desk may not.
    for (groups, status) in [("[supervisor]", 200), ("[desk]", 403)] {
        let resp = staff_api::handle(
            &supervisor,
            with_claims(
                request("GET", &format!("/v1/staff/reports/{number}"), &[], None),
                "someone",
                groups,
            ),
        )
        .await
        .unwrap();
        assert_eq!(resp.status(), status, "{groups}");
    }
    let resp = staff_api::handle(
        &supervisor,
        with_claims(
            json_post(
                &format!("/v1/staff/reports/{number}/notes"),
                &json!({"text": "x"}),
                &[],
            ),
            "supervisor-1",
            "[supervisor]",
        ),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 403, "supervisors read, analysts act");
}

#[tokio::test]
async fn the_days_waiting_for_the_citizen_move_the_due_date() {
    let ctx = Ctx::new().await;
    // Submitted Monday 2 November 2026: due Friday 20 November.
    let submitted = datetime!(2026-11-02 09:00 +7);
    let submit = submit_report::build(&ctx.config, &ctx.env("SubmitReportFunction"))
        .unwrap()
        .with_clock(FixedClock(submitted));
    let resp = submit_report::handle(
        &submit,
        json_post(
            "/v1/reports",
            &valid_submission("Budi", "3171011203850001", "081311112222"),
            &[],
        ),
    )
    .await
    .unwrap();
    let receipt = body_json(&resp);
    let number = receipt["registration_number"].as_str().unwrap().to_string();
    let token = receipt["tracking_token"].as_str().unwrap().to_string();
    assert_eq!(receipt["due_date"], "2026-11-20");

    // Information asked on Monday 9 November, given on Thursday 12 November.
    let staff = staff_api::build(&ctx.config, &ctx.env("StaffApiFunction"))
        .unwrap()
        .with_clock(FixedClock(datetime!(2026-11-09 10:00 +7)));
    for (action, body) in [
        ("analysis", json!({})),
        (
            "request-info",
            json!({"message": "Mohon lampirkan salinan KK."}),
        ),
    ] {
        let req = with_claims(
            json_post(&format!("/v1/staff/reports/{number}/{action}"), &body, &[]),
            "analyst-1",
            "[analyst]",
        );
        assert_eq!(staff_api::handle(&staff, req).await.unwrap().status(), 200);
    }
    let citizen = citizen_api::build(&ctx.config, &ctx.env("CitizenApiFunction"))
        .unwrap()
        .with_clock(FixedClock(datetime!(2026-11-12 08:00 +7)));
    let resp = citizen_api::handle(
        &citizen,
        json_post(
            &format!("/v1/reports/{number}/updates"),
            &json!({"message": "Salinan KK sudah saya kirim lewat kantor pos."}),
            &[("x-tracking-token", &token)],
        ),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 201, "{}", body_json(&resp));

    let get = get_report::build(&ctx.config, &ctx.env("GetReportFunction"))
        .unwrap()
        .with_clock(FixedClock(datetime!(2026-11-12 09:00 +7)));
    let resp = get_report::handle(
        &get,
        request(
            "GET",
            &format!("/v1/reports/{number}"),
            &[("x-tracking-token", &token)],
            None,
        ),
    )
    .await
    .unwrap();
    let full = body_json(&resp);
    // Three working days waited (10, 11, 12 November): due Wednesday 25 November.
    assert_eq!(full["due_date"], "2026-11-25");
    let moved = full["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "due_date_moved")
        .expect("the citizen is told");
    assert!(
        moved["note"].as_str().unwrap().contains("25 November 2026"),
        "{moved}"
    );
}

#[tokio::test]
async fn analysts_assign_reports_and_keep_notes_to_themselves() {
    let st = Stack::start(&["kemensos"], true).await;
    let (number, token) = forwarded(&st, &["kemensos"]).await;
    // Another report, nobody's.
    st.submit(&valid_submission(
        "Budi",
        "3171011203850001",
        "081311112222",
    ))
    .await;

    // To oneself, then shown by the queue's assignee filter.
    let (s, v) = staff_post(
        &st,
        &format!("/v1/staff/reports/{number}/assign"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["assignee"], "test-analyst");
    let (_, mine) = staff_get(&st, "analyst", "/v1/staff/reports?assignee=me").await;
    let listed: Vec<&str> = mine["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["registration_number"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [number.as_str()]);
    assert_eq!(mine["reports"][0]["assignee"], "test-analyst");
    let (_, unassigned) = staff_get(&st, "analyst", "/v1/staff/reports?assignee=none").await;
    assert!(
        unassigned["reports"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["registration_number"] != number.as_str())
    );
    // To a colleague, then nobody.
    let (s, v) = staff_post(
        &st,
        &format!("/v1/staff/reports/{number}/assign"),
        json!({"analyst": "budi.analis"}),
    )
    .await;
    assert_eq!((s, v["assignee"].as_str()), (200, Some("budi.analis")));
    let (s, v) = staff_post(
        &st,
        &format!("/v1/staff/reports/{number}/assign"),
        json!({"analyst": null}),
    )
    .await;
    assert_eq!((s, v["assignee"].clone()), (200, Value::Null));

    // An internal note: in the staff view, never in the citizen's or the agency's.
    let secret = "Pelapor sudah ditelepon, menunggu jawaban dinas.";
    let (s, v) = staff_post(
        &st,
        &format!("/v1/staff/reports/{number}/notes"),
        json!({"text": secret}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["by"], "test-analyst");
    let (_, detail) = staff_get(&st, "analyst", &format!("/v1/staff/reports/{number}")).await;
    assert!(
        detail["internal_notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["note"] == secret && n["by"] == "test-analyst")
    );
    let full = citizen_view(&st, &number, &token).await;
    assert!(!full.to_string().contains(secret));
    let cases = take(&st, "kemensos").await;
    assert!(!serde_json::to_string(&cases).unwrap().contains(secret));

    // Answer templates, as data.
    let (s, t) = staff_get(&st, "analyst", "/v1/staff/templates").await;
    assert_eq!(s, 200);
    let kinds: Vec<&str> = t["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"request_info") && kinds.contains(&"reject"));
    assert!(t["templates"][0]["text"]["id"].as_str().unwrap().len() > 20);
}

#[tokio::test]
async fn an_agency_on_its_own_clock() {
    let st = Stack::start(&["kemensos"], true).await;
    let onboarding = lapor_shared::usecases::onboarding::Onboarding {
        store: &st.store,
        queues: &(),
    };
    onboarding
        .set_clock("kemensos", Some(2), Some(7))
        .await
        .unwrap();
    let (number, _) = forwarded(&st, &["kemensos"]).await;
    let cal = lapor_shared::domain::calendar::Calendar::embedded().unwrap();
    let today = lapor_shared::domain::calendar::wib_date(time::OffsetDateTime::now_utc());
    let (_, detail) = staff_get(&st, "analyst", &format!("/v1/staff/reports/{number}")).await;
    let day =
        |n| lapor_shared::domain::calendar::format_date(cal.add_working_days(today, n).unwrap());
    assert_eq!(detail["cases"][0]["response_due_date"], day(2).as_str());
    assert_eq!(detail["cases"][0]["completion_due_date"], day(7).as_str());
    // Onboarding it again keeps its clock.
    let again = lapor_shared::usecases::onboarding::Onboarding {
        store: &st.store,
        queues: &lapor_shared::adapters::sqs::SqsQueueAdmin::new(
            st.sqs.clone(),
            st.ctx.handoff_queue_prefix(),
        ),
    };
    let agency = lapor_shared::domain::directory::agency("kemensos").unwrap();
    let done = again
        .onboard(agency, 60, time::OffsetDateTime::now_utc())
        .await
        .unwrap();
    assert_eq!(done.record.clock().response_days, 2);
}
