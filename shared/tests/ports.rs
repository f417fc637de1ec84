//! The behaviour of the storage and queue ports, written once (`contract`) and run on both
//! of their adapters: the memory fakes the unit tests use, on every run, and DynamoDB and SQS
//! on moto's server (`LAPOR_TEST_ENDPOINT`, started by `scripts/test`; those are skipped,
//! with a message, when it is not set).
#![cfg(all(feature = "dynamodb", feature = "sqs"))]

use aws_sdk_dynamodb::config::{Credentials, Region};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
};
use lapor_shared::adapters::dynamodb::DynamoReportStore;
use lapor_shared::adapters::memory::queues::MemoryQueues;
use lapor_shared::adapters::memory::store::MemoryStore;
use lapor_shared::adapters::sqs::{SqsQueueAdmin, SqsQueues, SqsTrigger};
use lapor_shared::domain::cases::DrainRequest;
use lapor_shared::domain::regno::RegistrationNumber;
use lapor_shared::domain::report::{Report, Status};
use lapor_shared::ports::{ForwardingTrigger, HandoffQueues, QueueAdmin, ReceiptOutcome};
use time::Date;
use ulid::Ulid;

fn number() -> RegistrationNumber {
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).unwrap();
    RegistrationNumber::from_random(b)
}

/// The sample report with its own number, status and due date.
fn report(n: RegistrationNumber, status: Status, due: Option<Date>) -> Report {
    Report {
        registration_number: n,
        due_date: due,
        version: 1,
        ..lapor_shared::domain::samples::report(status)
    }
}

/// What every adapter of a port must do.
mod contract {
    use lapor_shared::domain::agencies::{AgencyRecord, ApiKeyRecord, HandoffQueue};
    use lapor_shared::domain::cases::{Case, Closure, Handoff, HandoffKind};
    use lapor_shared::domain::directory::AgencyKind;
    use lapor_shared::domain::identity::{Nik, Phone};
    use lapor_shared::domain::report::{
        Actor, DeclineReason, EventType, RejectReason, Report, Reporter, ResponseKind, SlaFlag,
        Status, TimelineEvent,
    };
    use lapor_shared::ports::{
        AgencyStore, AssigneeFilter, Change, ChangeError, DueFilter, HandoffQueues, OutboxStore,
        QueueAdmin, QueueCursor, QueuePage, QueueQuery, ReceiptOutcome, ReportStore, WorkflowStore,
    };
    use time::macros::{date, datetime};
    use time::{Duration, OffsetDateTime};
    use ulid::Ulid;

    use super::{number, report};

    async fn submit<S: ReportStore>(store: &S, r: &Report, reporter: Option<&Reporter>) {
        let ev = TimelineEvent::new(EventType::Submitted, Actor::Citizen, r.submitted_at);
        store
            .create_report(r, reporter, &ev, None, None)
            .await
            .unwrap();
    }

    fn change<'a>(
        expected: u64,
        report: &'a Report,
        events: &'a [TimelineEvent],
        cases: &'a [Case],
        handoffs: &'a [Handoff],
    ) -> Change<'a> {
        Change {
            expected_version: expected,
            report,
            events,
            cases,
            handoffs,
        }
    }

    pub async fn records_changes_and_outbox<S: ReportStore + WorkflowStore + OutboxStore>(
        store: &S,
    ) {
        let n = number();
        let reporter = Reporter {
            name: "Siti".into(),
            nik: Nik::parse("3171011501900001").unwrap(),
            phone: Phone::parse("0812-3456-7890").unwrap(),
            email: None,
        };
        let original = report(n, Status::Received, Some(date!(2024 - 12 - 02)));
        submit(store, &original, Some(&reporter)).await;

        assert!(store.record(&number()).await.unwrap().is_none());
        let rec = store.record(&n).await.unwrap().unwrap();
        assert_eq!(rec.report, original);
        assert!(rec.cases.is_empty());
        assert_eq!(rec.events.len(), 1);
        assert_eq!(store.reporter(&n).await.unwrap(), Some(reporter));
        assert_eq!(store.reporter(&number()).await.unwrap(), None);

        // Analysis, then forwarding to two agencies with their outbox items.
        let t1 = datetime!(2026-11-03 10:00 +7);
        let mut r = original.clone();
        let mut e1 = r
            .transition(Status::InAnalysis, Actor::Analyst, None, t1)
            .unwrap();
        e1.internal_note = Some("cek".into());
        store
            .apply(change(1, &r, std::slice::from_ref(&e1), &[], &[]))
            .await
            .unwrap();
        let t2 = t1 + Duration::minutes(5);
        let mut e2 = r
            .transition(Status::Forwarded, Actor::Analyst, None, t2)
            .unwrap();
        e2.internal_note = Some("mohon ditindaklanjuti".into());
        r.agencies = vec!["kemenkes".into(), "kemenpu".into()];
        r.round = 1;
        r.sla_flag = Some(SlaFlag::Approaching);
        let cases: Vec<Case> = r
            .agencies
            .iter()
            .enumerate()
            .map(|(i, a)| Case {
                number: n,
                agency: a.clone(),
                round: 1,
                forwarded_at: t2,
                note: Some("mohon".into()),
                acknowledged_at: None,
                last_response_kind: None,
                final_at: None,
                response_due: Some(date!(2024 - 11 - 19)),
                completion_due: Some(date!(2024 - 12 - 02)),
                // Every field of a case survives the store: one declined, with its details.
                closure: (i == 1).then(|| Closure::Declined {
                    at: t2,
                    reason: DeclineReason::NeedsOtherAgency,
                    note: Some("urusan pemda".into()),
                    suggested_agencies: vec!["pemprov-32".into()],
                }),
                escalated_for: (i == 0).then_some(date!(2024 - 11 - 19)),
            })
            .collect();
        let handoffs: Vec<Handoff> = r
            .agencies
            .iter()
            .enumerate()
            .map(|(i, a)| Handoff {
                id: Ulid::from_datetime((t2 + Duration::milliseconds(i as i64)).into()),
                number: n,
                agency: a.clone(),
                kind: HandoffKind::Forwarded,
                round: 1,
                created_at: t2,
            })
            .collect();
        // A stale version writes nothing.
        let stale = store
            .apply(change(1, &r, std::slice::from_ref(&e2), &cases, &handoffs))
            .await;
        assert!(matches!(stale, Err(ChangeError::Conflict)), "{stale:?}");
        assert!(store.handoffs(&n).await.unwrap().is_empty());
        store
            .apply(change(2, &r, std::slice::from_ref(&e2), &cases, &handoffs))
            .await
            .unwrap();

        // An agency response with every optional event field.
        let t3 = t2 + Duration::hours(1);
        let mut e3 = TimelineEvent::new(
            EventType::AgencyResponse,
            Actor::Agency("kemenkes".into()),
            t3,
        )
        .with_note(Some("Sedang ditangani".into()));
        e3.agency = Some("kemenkes".into());
        e3.response_kind = Some(ResponseKind::Initial);
        e3.rating = Some(5);
        e3.reason = Some(RejectReason::Duplicate);
        e3.attachments = vec![Ulid::new().to_string()];
        let mut e4 = r
            .transition(
                Status::Responded,
                Actor::Agency("kemenkes".into()),
                None,
                t3,
            )
            .unwrap();
        e4.id = Ulid::from_datetime((t3 + Duration::milliseconds(1)).into());
        let mut acked = cases[0].clone();
        acked.acknowledged_at = Some(t3);
        acked.last_response_kind = Some(ResponseKind::Initial);
        store
            .apply(change(
                3,
                &r,
                &[e3.clone(), e4.clone()],
                std::slice::from_ref(&acked),
                &[],
            ))
            .await
            .unwrap();

        let rec = store.record(&n).await.unwrap().unwrap();
        assert_eq!(rec.report, r);
        assert_eq!(rec.report.version, 4);
        assert_eq!(rec.cases, vec![acked, cases[1].clone()]);
        let ids: Vec<Ulid> = rec.events.iter().map(|e| e.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
        assert_eq!(&rec.events[1..], &[e1, e2, e3, e4]);
        assert_eq!(store.timeline(&n).await.unwrap(), rec.events);

        // The outbox: per report, by age across reports, completed idempotently.
        assert_eq!(store.handoffs(&n).await.unwrap(), handoffs);
        assert_eq!(store.pending_handoffs(1).await.unwrap(), handoffs[..1]);
        store.complete_handoff(&handoffs[0]).await.unwrap();
        store.complete_handoff(&handoffs[0]).await.unwrap();
        assert_eq!(store.pending_handoffs(10).await.unwrap(), handoffs[1..]);
        store.complete_handoff(&handoffs[1]).await.unwrap();
        assert!(store.pending_handoffs(10).await.unwrap().is_empty());

        // More than a transaction holds.
        let many: Vec<TimelineEvent> = (0..100)
            .map(|_| TimelineEvent::new(EventType::CitizenUpdate, Actor::Citizen, t3))
            .collect();
        assert!(matches!(
            store.apply(change(4, &r, &many, &[], &[])).await,
            Err(ChangeError::Store(_))
        ));
    }

    pub async fn queue_pages_by_due_date<S: ReportStore + WorkflowStore>(store: &S) {
        let specs = [
            (Status::Received, Some(date!(2024 - 12 - 05))),
            (Status::InAnalysis, Some(date!(2024 - 12 - 02))),
            (Status::Received, None),
            (Status::Received, Some(date!(2024 - 12 - 02))),
            (Status::Completed, Some(date!(2024 - 11 - 01))),
            (Status::Rejected, None),
            (Status::Forwarded, Some(date!(2024 - 12 - 10))),
        ];
        let mut all = Vec::new();
        for (status, due) in specs {
            let r = report(number(), status, due);
            submit(store, &r, None).await;
            all.push(r);
        }
        let key = |r: &Report| {
            (
                r.due_date.map_or(
                    "9999-12-31".to_string(),
                    lapor_shared::domain::calendar::format_date,
                ),
                r.registration_number.to_string(),
            )
        };
        let mut open: Vec<Report> = all.iter().filter(|r| r.status.is_open()).cloned().collect();
        open.sort_by_key(key);

        let page_through = |status: Option<Status>, due: DueFilter| async move {
            let mut out = Vec::new();
            let mut after = None;
            for _ in 0..20 {
                let q = QueueQuery {
                    assignee: Default::default(),
                    status,
                    due,
                    limit: 2,
                    after: after.take(),
                };
                let page = store.queue(&q).await.unwrap();
                assert!(page.reports.len() <= 2);
                out.extend(page.reports);
                match page.next {
                    Some(c) => after = Some(QueueCursor::decode(&c.encode()).unwrap()),
                    None => return out,
                }
            }
            panic!("paging did not end");
        };
        assert_eq!(page_through(None, DueFilter::Any).await, open);
        let received: Vec<Report> = open
            .iter()
            .filter(|r| r.status == Status::Received)
            .cloned()
            .collect();
        assert_eq!(
            page_through(Some(Status::Received), DueFilter::Any).await,
            received
        );
        let done = page_through(Some(Status::Completed), DueFilter::Any).await;
        assert_eq!(done.len(), 1);
        let overdue = page_through(None, DueFilter::Before(date!(2024 - 12 - 05))).await;
        assert_eq!(
            overdue.iter().map(|r| r.due_date).collect::<Vec<_>>(),
            vec![Some(date!(2024 - 12 - 02)); 2]
        );
        let later = page_through(None, DueFilter::OnOrAfter(date!(2024 - 12 - 05))).await;
        assert_eq!(
            later.iter().map(|r| r.due_date).collect::<Vec<_>>(),
            vec![
                Some(date!(2024 - 12 - 05)),
                Some(date!(2024 - 12 - 10)),
                None
            ]
        );
        // A cursor outside the filter's range: before the range starts, or past its end.
        let q = QueueQuery {
            assignee: Default::default(),
            status: None,
            due: DueFilter::OnOrAfter(date!(2024 - 12 - 05)),
            limit: 10,
            after: Some(QueueCursor {
                due_key: "2024-12-01".into(),
                number: number(),
            }),
        };
        assert_eq!(store.queue(&q).await.unwrap().reports, later);
        let q = QueueQuery {
            assignee: Default::default(),
            status: None,
            due: DueFilter::Before(date!(2024 - 12 - 05)),
            limit: 10,
            after: Some(QueueCursor {
                due_key: "2024-12-07".into(),
                number: number(),
            }),
        };
        assert!(store.queue(&q).await.unwrap().reports.is_empty());

        // Closing a report takes it out of the open index.
        let mut r = open[0].clone();
        let ev = r
            .transition(
                Status::Rejected,
                Actor::Analyst,
                None,
                OffsetDateTime::now_utc(),
            )
            .unwrap();
        store.apply(change(1, &r, &[ev], &[], &[])).await.unwrap();
        assert_eq!(page_through(None, DueFilter::Any).await, open[1..]);
    }

    /// A report marked for re-routing heads the queue; the assignee filter applies to the
    /// page read; open cases are found by their running deadline, escalated ones apart.
    pub async fn rerouting_assignees_and_case_deadlines<S: ReportStore + WorkflowStore>(store: &S) {
        let early = report(number(), Status::Received, Some(date!(2024 - 12 - 02)));
        let mut back = report(number(), Status::InAnalysis, Some(date!(2024 - 12 - 20)));
        back.rerouting = true;
        back.assignee = Some("siti".into());
        for r in [&early, &back] {
            submit(store, r, None).await;
        }
        let q = |assignee: AssigneeFilter| QueueQuery {
            status: None,
            due: DueFilter::Any,
            assignee,
            limit: 10,
            after: None,
        };
        let order: Vec<_> = store
            .queue(&q(AssigneeFilter::Any))
            .await
            .unwrap()
            .reports
            .iter()
            .map(|r| r.registration_number)
            .collect();
        assert_eq!(order, [back.registration_number, early.registration_number]);
        let numbers = |page: QueuePage| -> Vec<_> {
            page.reports.iter().map(|r| r.registration_number).collect()
        };
        assert_eq!(
            numbers(
                store
                    .queue(&q(AssigneeFilter::Is("siti".into())))
                    .await
                    .unwrap()
            ),
            [back.registration_number]
        );
        assert_eq!(
            numbers(store.queue(&q(AssigneeFilter::Unassigned)).await.unwrap()),
            [early.registration_number]
        );
        // Re-routing counts as due at once.
        let overdue = QueueQuery {
            due: DueFilter::Before(date!(2024 - 11 - 01)),
            ..q(AssigneeFilter::Any)
        };
        assert_eq!(
            numbers(store.queue(&overdue).await.unwrap()),
            [back.registration_number]
        );

        // Cases: one awaiting its first response (due 19 Nov), one answered (completion
        // 29 Nov), one escalated for its deadline, one declined (not indexed).
        let t = datetime!(2024-11-12 10:00 +7);
        let case = |agency: &str| Case {
            number: early.registration_number,
            agency: agency.into(),
            round: 1,
            forwarded_at: t,
            note: None,
            acknowledged_at: None,
            last_response_kind: None,
            final_at: None,
            response_due: Some(date!(2024 - 11 - 19)),
            completion_due: Some(date!(2024 - 11 - 29)),
            closure: None,
            escalated_for: None,
        };
        let waiting = case("kemenkes");
        let answered = Case {
            last_response_kind: Some(ResponseKind::Initial),
            ..case("kemensos")
        };
        let escalated = Case {
            escalated_for: Some(date!(2024 - 11 - 19)),
            ..case("kemendikdasmen")
        };
        let declined = Case {
            closure: Some(Closure::Declined {
                at: t,
                reason: DeclineReason::NotOurAuthority,
                note: None,
                suggested_agencies: vec![],
            }),
            ..case("polri")
        };
        let mut r = early.clone();
        r.version += 1;
        let cases = [
            waiting.clone(),
            answered.clone(),
            escalated.clone(),
            declined,
        ];
        store
            .apply(change(early.version, &r, &[], &cases, &[]))
            .await
            .unwrap();
        let agencies =
            |cs: Vec<Case>| -> Vec<String> { cs.into_iter().map(|c| c.agency).collect() };
        assert_eq!(
            agencies(store.cases_due(date!(2024 - 11 - 20), 10).await.unwrap()),
            ["kemenkes"]
        );
        assert_eq!(
            agencies(store.cases_due(date!(2024 - 11 - 30), 10).await.unwrap()),
            ["kemenkes", "kemensos"]
        );
        assert!(
            store
                .cases_due(date!(2024 - 11 - 19), 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            agencies(store.escalated_cases(10).await.unwrap()),
            ["kemendikdasmen"]
        );
        assert_eq!(
            store.cases_due(date!(2024 - 11 - 30), 1).await.unwrap(),
            [waiting]
        );
    }

    pub async fn agencies_and_keys<S: AgencyStore>(store: &S) {
        let now = datetime!(2024-11-12 10:00 UTC);
        let rec = AgencyRecord {
            code: "kemenkes".into(),
            name: "Kementerian Kesehatan".into(),
            kind: AgencyKind::Ministry,
            region: None,
            queue: Some(HandoffQueue {
                url: "https://q/lapor-handoff-kemenkes.fifo".into(),
                dlq_url: "https://q/lapor-handoff-kemenkes-dlq.fifo".into(),
            }),
            current_key_hash: Some("b".repeat(64)),
            onboarded_at: now,
            active: true,
            response_days: Some(3),
            completion_days: None,
        };
        let old = ApiKeyRecord {
            key_hash: "a".repeat(64),
            agency: "kemenkes".into(),
            created_at: now,
            expires_at: Some(now.unix_timestamp() + 60),
        };
        let new = ApiKeyRecord {
            key_hash: "b".repeat(64),
            agency: "kemenkes".into(),
            created_at: now,
            expires_at: None,
        };
        store
            .save_agency(&rec, &[old.clone(), new.clone()])
            .await
            .unwrap();
        assert_eq!(store.agency("kemenkes").await.unwrap(), Some(rec));
        assert_eq!(store.agency("kemensos").await.unwrap(), None);
        assert_eq!(store.api_key(&old.key_hash).await.unwrap(), Some(old));
        assert_eq!(store.api_key(&new.key_hash).await.unwrap(), Some(new));
        assert_eq!(store.api_key(&"c".repeat(64)).await.unwrap(), None);
    }

    /// An unknown report has no version to match: a change of it is a conflict.
    pub async fn a_change_of_an_unknown_report_conflicts<S: WorkflowStore>(store: &S) {
        let other = report(number(), Status::Received, None);
        let c = change(1, &other, &[], &[], &[]);
        assert!(matches!(store.apply(c).await, Err(ChangeError::Conflict)));
        assert!(
            store
                .record(&other.registration_number)
                .await
                .unwrap()
                .is_none()
        );
    }

    /// FIFO hand-off queues: created once, deduplicated by id, received messages deleted
    /// by their receipt (a made-up receipt is invalid).
    pub async fn fifo_handoff_queues<Q: HandoffQueues + QueueAdmin>(queues: &Q, wait: i32) {
        let (url, dlq) = queues.ensure_handoff_queue("kemenkes", 300).await.unwrap();
        assert_eq!(
            queues.ensure_handoff_queue("kemenkes", 300).await.unwrap(),
            (url.clone(), dlq)
        );
        queues.send(&url, "a1", "case-a", "h1").await.unwrap();
        queues.send(&url, "a1 again", "case-a", "h1").await.unwrap();
        queues.send(&url, "b1", "case-b", "h2").await.unwrap();
        let got = queues.receive(&url, 10, wait).await.unwrap();
        let mut bodies: Vec<&str> = got.iter().map(|m| m.body.as_str()).collect();
        bodies.sort();
        assert_eq!(bodies, vec!["a1", "b1"], "the duplicate is not delivered");
        for m in &got {
            assert_eq!(
                queues.delete(&url, &m.receipt).await.unwrap(),
                ReceiptOutcome::Done
            );
        }
        // (Deleting again with a spent receipt is not part of the contract: SQS answers it
        // as done, the memory queue refuses it.)
        assert_eq!(
            queues.delete(&url, "not-a-receipt").await.unwrap(),
            ReceiptOutcome::InvalidReceipt
        );
        assert!(queues.receive(&url, 10, 0).await.unwrap().is_empty());
    }
}

// ---- the memory adapters -----------------------------------------------------------

#[tokio::test]
async fn memory_records_changes_and_outbox() {
    contract::records_changes_and_outbox(&MemoryStore::new()).await;
}

#[tokio::test]
async fn memory_queue_pages_by_due_date() {
    contract::queue_pages_by_due_date(&MemoryStore::new()).await;
}

#[tokio::test]
async fn memory_rerouting_assignees_and_case_deadlines() {
    contract::rerouting_assignees_and_case_deadlines(&MemoryStore::new()).await;
}

#[tokio::test]
async fn memory_agencies_and_keys() {
    contract::agencies_and_keys(&MemoryStore::new()).await;
}

#[tokio::test]
async fn memory_change_of_an_unknown_report() {
    contract::a_change_of_an_unknown_report_conflicts(&MemoryStore::new()).await;
}

#[tokio::test]
async fn memory_fifo_handoff_queues() {
    contract::fifo_handoff_queues(&MemoryQueues::new(), 0).await;
}

// ---- DynamoDB and SQS on moto ---------------------------------------------------------

async fn config() -> Option<aws_config::SdkConfig> {
    let Ok(endpoint) = std::env::var("LAPOR_TEST_ENDPOINT") else {
        eprintln!("skipped: LAPOR_TEST_ENDPOINT is not set (scripts/test starts moto)");
        return None;
    };
    Some(
        lapor_shared::adapters::aws::sdk_config_loader()
            .endpoint_url(endpoint)
            .region(Region::new("ap-southeast-3"))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
            .load()
            .await,
    )
}

fn unique(prefix: &str) -> String {
    format!("{prefix}{}", Ulid::new().to_string().to_lowercase())
}

/// A table with the schema of infra/template.yaml's ReportsTable.
async fn table(config: &aws_config::SdkConfig) -> DynamoReportStore {
    let client = aws_sdk_dynamodb::Client::new(config);
    let name = unique("adapters-");
    let attr = |n: &str| {
        AttributeDefinition::builder()
            .attribute_name(n)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    let key = |n: &str, t: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(n)
            .key_type(t)
            .build()
            .unwrap()
    };
    let gsi = |i: &str| {
        GlobalSecondaryIndex::builder()
            .index_name(i)
            .key_schema(key(&format!("{i}PK"), KeyType::Hash))
            .key_schema(key(&format!("{i}SK"), KeyType::Range))
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::All)
                    .build(),
            )
            .build()
            .unwrap()
    };
    let mut create = client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key("PK", KeyType::Hash))
        .key_schema(key("SK", KeyType::Range))
        .global_secondary_indexes(gsi("GSI1"))
        .global_secondary_indexes(gsi("GSI2"));
    for a in ["PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK"] {
        create = create.attribute_definitions(attr(a));
    }
    create.send().await.expect("table created on moto");
    DynamoReportStore::new(client, name)
}

#[tokio::test]
async fn dynamodb_records_changes_and_outbox() {
    let Some(config) = config().await else { return };
    contract::records_changes_and_outbox(&table(&config).await).await;
}

#[tokio::test]
async fn dynamodb_queue_pages_by_due_date() {
    let Some(config) = config().await else { return };
    contract::queue_pages_by_due_date(&table(&config).await).await;
}

#[tokio::test]
async fn dynamodb_rerouting_assignees_and_case_deadlines() {
    let Some(config) = config().await else { return };
    contract::rerouting_assignees_and_case_deadlines(&table(&config).await).await;
}

#[tokio::test]
async fn dynamodb_agencies_and_keys() {
    let Some(config) = config().await else { return };
    contract::agencies_and_keys(&table(&config).await).await;
}

#[tokio::test]
async fn dynamodb_change_of_an_unknown_report() {
    let Some(config) = config().await else { return };
    contract::a_change_of_an_unknown_report_conflicts(&table(&config).await).await;
}

#[tokio::test]
async fn sqs_fifo_handoff_queues() {
    let Some(config) = config().await else { return };
    let client = aws_sdk_sqs::Client::new(&config);
    let admin = SqsQueueAdmin::new(client.clone(), format!("{}-", unique("t")));
    let queues = Both(SqsQueues::new(client), admin);
    contract::fifo_handoff_queues(&queues, 1).await;
}

/// The SQS hand-off queues and the queue admin, as one adapter of both ports.
struct Both(SqsQueues, SqsQueueAdmin);

impl HandoffQueues for Both {
    async fn send(
        &self,
        url: &str,
        body: &str,
        group: &str,
        dedup: &str,
    ) -> Result<(), lapor_shared::domain::error::StoreError> {
        self.0.send(url, body, group, dedup).await
    }
    async fn receive(
        &self,
        url: &str,
        max: i32,
        wait: i32,
    ) -> Result<Vec<lapor_shared::ports::QueuedMessage>, lapor_shared::domain::error::StoreError>
    {
        self.0.receive(url, max, wait).await
    }
    async fn delete(
        &self,
        url: &str,
        receipt: &str,
    ) -> Result<ReceiptOutcome, lapor_shared::domain::error::StoreError> {
        self.0.delete(url, receipt).await
    }
    async fn hold(
        &self,
        url: &str,
        receipt: &str,
        seconds: i32,
    ) -> Result<ReceiptOutcome, lapor_shared::domain::error::StoreError> {
        self.0.hold(url, receipt, seconds).await
    }
}

impl QueueAdmin for Both {
    async fn ensure_handoff_queue(
        &self,
        code: &str,
        visibility: i32,
    ) -> Result<(String, String), lapor_shared::domain::error::StoreError> {
        self.1.ensure_handoff_queue(code, visibility).await
    }
}

#[tokio::test]
async fn sqs_queue_attributes_long_polls_and_the_trigger() {
    let Some(config) = config().await else { return };
    let client = aws_sdk_sqs::Client::new(&config);
    let prefix = unique("t");
    let admin = SqsQueueAdmin::new(client.clone(), format!("{prefix}-"));
    let (url, dlq) = admin.ensure_handoff_queue("kemenkes", 300).await.unwrap();
    assert!(url.ends_with(&format!("{prefix}-kemenkes.fifo")), "{url}");
    assert!(
        dlq.ends_with(&format!("{prefix}-kemenkes-dlq.fifo")),
        "{dlq}"
    );
    // Again, with another visibility timeout: the same queues, updated.
    assert_eq!(
        admin.ensure_handoff_queue("kemenkes", 120).await.unwrap(),
        (url.clone(), dlq.clone())
    );
    let attrs = client
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap();
    use aws_sdk_sqs::types::QueueAttributeName as A;
    assert_eq!(attrs[&A::FifoQueue], "true");
    assert_eq!(attrs[&A::VisibilityTimeout], "120");
    assert_eq!(attrs[&A::MessageRetentionPeriod], "1209600");
    let redrive: serde_json::Value = serde_json::from_str(&attrs[&A::RedrivePolicy]).unwrap();
    assert!(
        redrive["deadLetterTargetArn"]
            .as_str()
            .unwrap()
            .ends_with("-kemenkes-dlq.fifo")
    );
    assert_eq!(
        redrive["maxReceiveCount"].to_string().trim_matches('"'),
        "50"
    );

    let queues = SqsQueues::new(client.clone());
    // A client built for long polls works the same.
    let long = SqsQueues::new(lapor_shared::adapters::sqs::long_poll_client(&config));
    long.send(&url, "c1", "case-c", "h3").await.unwrap();
    let c = long.receive(&url, 1, 1).await.unwrap();
    assert_eq!(c.len(), 1);
    assert_eq!(
        long.delete(&url, &c[0].receipt).await.unwrap(),
        ReceiptOutcome::Done
    );
    // (Sending, deduplicating and deleting: the contract, `sqs_fifo_handoff_queues`.)

    // The forwarding trigger on a standard queue.
    let fwd = client
        .create_queue()
        .queue_name(format!("{prefix}-forwarding"))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let trigger = SqsTrigger::new(client.clone(), fwd.clone());
    let n = number();
    trigger.kick(&n).await.unwrap();
    let got = queues.receive(&fwd, 10, 1).await.unwrap();
    assert_eq!(got.len(), 1);
    let req: DrainRequest = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(req.registration_number, n.to_string());

    // A long poll outlives the shared 2 s attempt timeout.
    let started = std::time::Instant::now();
    assert!(queues.receive(&url, 1, 3).await.unwrap().is_empty());
    assert!(started.elapsed() >= std::time::Duration::from_millis(2_500));
}
