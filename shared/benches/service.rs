//! In-process cost of the two hottest use cases, without any I/O: a submission
//! (`reports::submit`: validation, due date, numbering, sealing the idempotent answer, the
//! in-memory transaction) and a status lookup (`reports::lookup`: stage view and full view),
//! on the in-memory ports. Run by `scripts/bench`, which copies the medians into BENCHMARKS.md;
//! by hand: `cargo bench -p lapor-shared --bench service`.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use lapor_shared::adapters::memory::{MemoryAttachments, MemoryStore};
use lapor_shared::domain::calendar::Calendar;
use lapor_shared::domain::i18n::Lang;
use lapor_shared::domain::idempotency::IdempotencyKey;
use lapor_shared::domain::report::Channel;
use lapor_shared::usecases::reports::{lookup, submit};
use serde_json::Value;
use time::OffsetDateTime;
use time::macros::datetime;

/// Monday 11 November 2024, 09:00 WIB: a working day inside the holiday data.
const NOW: OffsetDateTime = datetime!(2024-11-11 02:00 UTC);

/// The body a citizen posts (examples/report.json), as raw bytes: the handler parses it.
fn body() -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/report.json");
    std::fs::read(path).expect("examples/report.json")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio runtime")
}

fn benches(c: &mut Criterion) {
    let rt = runtime();
    let calendar = Calendar::embedded().expect("calendar data");
    let raw = body();
    let attachments = MemoryAttachments::default();

    let store = MemoryStore::new();
    c.bench_function("submit/web", |b| {
        b.to_async(&rt).iter(|| async {
            let body: Value = serde_json::from_slice(&raw).expect("JSON");
            let out = submit(
                &store,
                &attachments,
                calendar,
                NOW,
                &body,
                Channel::Web,
                None,
                None,
            )
            .await
            .expect("submitted");
            assert!(out.registration_number.is_some());
            out
        })
    });

    // With an Idempotency-Key: the answer is sealed (ChaCha20-Poly1305) and stored too.
    let store = MemoryStore::new();
    let mut n = 0u64;
    c.bench_function("submit/web+idempotency-key", |b| {
        b.to_async(&rt).iter_batched(
            || {
                n += 1;
                IdempotencyKey::parse(&format!("bench-{n}")).expect("key")
            },
            |key| {
                let store = &store;
                let attachments = &attachments;
                let raw = &raw;
                async move {
                    let body: Value = serde_json::from_slice(raw).expect("JSON");
                    let out = submit(
                        store,
                        attachments,
                        calendar,
                        NOW,
                        &body,
                        Channel::Web,
                        Some(&key),
                        None,
                    )
                    .await
                    .expect("submitted");
                    assert!(!out.replayed);
                    out
                }
            },
            BatchSize::SmallInput,
        )
    });

    // One stored report, looked up as the public (stage) and the token holder (full) would.
    let store = MemoryStore::new();
    let first = rt
        .block_on(submit(
            &store,
            &attachments,
            calendar,
            NOW,
            &serde_json::from_slice(&raw).expect("JSON"),
            Channel::Web,
            None,
            None,
        ))
        .expect("submitted");
    let answer: Value = serde_json::from_slice(&first.body).expect("answer");
    let number = answer["registration_number"]
        .as_str()
        .expect("number")
        .to_string();
    let token = answer["tracking_token"]
        .as_str()
        .expect("token")
        .to_string();
    c.bench_function("lookup/stage", |b| {
        b.to_async(&rt).iter(|| async {
            lookup(&store, NOW, &number, None, Lang::Id)
                .await
                .expect("found")
        })
    });
    c.bench_function("lookup/full", |b| {
        b.to_async(&rt).iter(|| async {
            lookup(&store, NOW, &number, Some(&token), Lang::Id)
                .await
                .expect("found")
        })
    });
}

criterion_group!(service, benches);
criterion_main!(service);
