//! In-process cost of the two hottest use cases, without any I/O: a submission
//! (`Reports::submit`: validation, due date, numbering, sealing the idempotent answer, the
//! in-memory transaction) and a status lookup (`Reports::view`: stage view and full view),
//! on the in-memory ports, each with the JSON reading and writing its handler does. Run by
//! `scripts/bench`, which copies the medians into BENCHMARKS.md; by hand:
//! `cargo bench -p lapor-shared --bench service`.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use lapor_shared::adapters::memory::attachments::MemoryAttachments;
use lapor_shared::adapters::memory::store::MemoryStore;
use lapor_shared::domain::calendar::Calendar;
use lapor_shared::domain::error::decode;
use lapor_shared::domain::i18n::Lang;
use lapor_shared::domain::idempotency::IdempotencyKey;
use lapor_shared::domain::regno::RegistrationNumber;
use lapor_shared::domain::report::Channel;
use lapor_shared::usecases::reports::{Idempotency, Reports, Submission, Submitted};
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

/// What the submission handler does with a body: read it, submit, write the receipt.
async fn submit(
    reports: &Reports<'_, MemoryStore, MemoryAttachments>,
    raw: &[u8],
    key: Option<IdempotencyKey>,
) -> (Submitted, Vec<u8>) {
    let body: Value = serde_json::from_slice(raw).expect("JSON");
    let submission = Submission {
        input: decode(&body).expect("a submission"),
        channel: Channel::Web,
        idempotency: key.map(|k| Idempotency::of(k, &body)),
        desk: None,
    };
    let out = reports.submit(NOW, submission).await.expect("submitted");
    let answer = serde_json::to_vec(&out.receipt).expect("receipt");
    (out, answer)
}

fn benches(c: &mut Criterion) {
    let rt = runtime();
    let calendar = Calendar::embedded().expect("calendar data");
    let raw = body();
    let files = MemoryAttachments::default();

    let store = MemoryStore::new();
    let reports = Reports {
        store: &store,
        files: &files,
        calendar,
    };
    c.bench_function("submit/web", |b| {
        b.to_async(&rt).iter(|| async {
            let (out, answer) = submit(&reports, &raw, None).await;
            assert!(!out.replayed);
            answer
        })
    });

    // With an Idempotency-Key: the answer is sealed (ChaCha20-Poly1305) and stored too.
    let store = MemoryStore::new();
    let reports = Reports {
        store: &store,
        files: &files,
        calendar,
    };
    let mut n = 0u64;
    c.bench_function("submit/web+idempotency-key", |b| {
        b.to_async(&rt).iter_batched(
            || {
                n += 1;
                IdempotencyKey::parse(&format!("bench-{n}")).expect("key")
            },
            |key| {
                let (reports, raw) = (&reports, &raw);
                async move {
                    let (out, answer) = submit(reports, raw, Some(key)).await;
                    assert!(!out.replayed);
                    answer
                }
            },
            BatchSize::SmallInput,
        )
    });

    // One stored report, looked up as the public (stage) and the token holder (full) would.
    let store = MemoryStore::new();
    let reports = Reports {
        store: &store,
        files: &files,
        calendar,
    };
    let (first, _) = rt.block_on(submit(&reports, &raw, None));
    let number = first.receipt.registration_number.clone();
    let token = first.receipt.tracking_token.clone();
    let view = async |token: Option<&str>| {
        let n = RegistrationNumber::parse(&number).expect("number");
        let view = reports.view(NOW, &n, token, Lang::Id).await.expect("found");
        serde_json::to_vec(&view).expect("view")
    };
    c.bench_function("lookup/stage", |b| b.to_async(&rt).iter(|| view(None)));
    c.bench_function("lookup/full", |b| {
        b.to_async(&rt).iter(|| view(Some(&token)))
    });
}

criterion_group!(service, benches);
criterion_main!(service);
