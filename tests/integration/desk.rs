//! The walk-in desk: hours, holidays and the daily capacity under concurrency,
//! through the real staff handler with fixed clocks, against moto.

use std::sync::Arc;

use lapor_integration_tests::*;
use lapor_shared::ports::FixedClock;
use serde_json::Value;
use time::macros::datetime;

fn desk_state(ctx: &Ctx, at: time::OffsetDateTime, capacity: u32) -> staff_api::State<FixedClock> {
    // The capacity as a deployment configures it.
    let mut env = ctx.env("StaffApiFunction");
    env.insert("DESK_DAILY_CAPACITY".into(), capacity.to_string());
    staff_api::build(&ctx.config, &env)
        .unwrap()
        .with_clock(FixedClock(at))
}

fn walk_in(i: usize) -> Value {
    let mut v = valid_submission(
        "Pelapor Loket",
        "3171015208900001",
        &format!("0812{:08}", 10_000_000 + i),
    );
    v["description"] = Value::from(format!(
        "Laporan loket nomor {i}: sertifikat tanah belum terbit sejak dua tahun lalu."
    ));
    v
}

async fn desk_post(
    state: &staff_api::State<FixedClock>,
    body: &Value,
    group: &str,
) -> (u16, Value) {
    let req = with_claims(
        json_post("/v1/staff/desk-reports", body, &[]),
        "desk-officer-7",
        &format!("[{group}]"),
    );
    let resp = staff_api::handle(state, req).await.unwrap();
    (resp.status().as_u16(), body_json(&resp))
}

#[tokio::test]
async fn desk_hours_and_holidays() {
    let ctx = Ctx::new().await;
    for (at, next) in [
        // Before opening on a Wednesday: opens at 08:00 the same day.
        (datetime!(2026-11-25 07:30 +7), "2026-11-25T08:00:00+07:00"),
        // At 14:00: closed until Thursday 08:00.
        (datetime!(2026-11-25 14:00 +7), "2026-11-26T08:00:00+07:00"),
        // Saturday: Monday.
        (datetime!(2026-11-28 10:00 +7), "2026-11-30T08:00:00+07:00"),
    ] {
        let (s, v) = desk_post(&desk_state(&ctx, at, 50), &walk_in(0), "desk").await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (409, Some("desk_closed")),
            "{at}"
        );
        assert!(
            v["error"]["message"].as_str().unwrap().contains(next),
            "{v}"
        );
    }
    // Christmas Day 2026 (a national holiday, a Friday) at 10:00: closed.
    let (s, v) = desk_post(
        &desk_state(&ctx, datetime!(2026-12-25 10:00 +7), 50),
        &walk_in(0),
        "desk",
    )
    .await;
    assert_eq!((s, v["error"]["code"].as_str()), (409, Some("desk_closed")));
    assert_eq!(
        ctx.count_entities("report").await,
        0,
        "nothing written when closed"
    );

    // Open: an analyst may not use the desk; a desk officer gets the web answer + a receipt.
    let open = desk_state(&ctx, datetime!(2026-11-25 09:15 +7), 50);
    let (s, v) = desk_post(&open, &walk_in(1), "analyst").await;
    assert_eq!((s, v["error"]["code"].as_str()), (403, Some("forbidden")));
    let (s, v) = desk_post(&open, &walk_in(1), "desk").await;
    assert_eq!(s, 201, "{v}");
    let number = v["registration_number"].as_str().unwrap();
    assert_eq!(v["due_date"], "2026-12-15");
    let receipt = v["receipt_text"].as_str().unwrap();
    assert!(receipt.contains(number) && receipt.contains("25-11-2026 09:15 WIB"));
    assert!(receipt.contains(v["tracking_token"].as_str().unwrap()));
    let items = format!("{:?}", ctx.items().await);
    assert!(
        items.contains("desk officer desk-officer-7"),
        "the officer is on the timeline"
    );
    assert!(items.contains("\"desk\""), "channel desk");
}

#[tokio::test]
async fn sixty_concurrent_walk_ins_make_exactly_fifty_reports() {
    let ctx = Ctx::new().await;
    let state = Arc::new(desk_state(&ctx, datetime!(2026-11-25 10:00 +7), 50));
    let mut tasks = Vec::new();
    for i in 0..60 {
        let state = state.clone();
        tasks.push(tokio::spawn(async move {
            desk_post(&state, &walk_in(i), "desk").await
        }));
    }
    let mut created = 0;
    let mut full = 0;
    for t in tasks {
        match t.await.unwrap() {
            (201, _) => created += 1,
            (409, v) if v["error"]["code"] == "desk_capacity_reached" => {
                assert!(
                    v["error"]["message"]
                        .as_str()
                        .unwrap()
                        .contains("2026-11-26T08:00:00+07:00")
                );
                full += 1
            }
            (s, v) => panic!("unexpected {s}: {v}"),
        }
    }
    assert_eq!((created, full), (50, 10));
    assert_eq!(ctx.count_entities("report").await, 50);
    assert_eq!(ctx.count_entities("identity").await, 50);
    // The next working day has its own capacity.
    let tomorrow = desk_state(&ctx, datetime!(2026-11-26 08:00 +7), 50);
    let (s, _) = desk_post(&tomorrow, &walk_in(99), "desk").await;
    assert_eq!(s, 201);
}
