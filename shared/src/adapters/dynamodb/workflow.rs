//! The lifecycle after submission: reads of a whole report, conditional changes, the triage
//! queue on the sparse indexes, and the hand-off outbox.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::items::{
    CASE_DUE_GSI2PK, CASE_ESCALATED_GSI2PK, CASE_SK_PREFIX, CaseItem, EVENT_SK_PREFIX, EventItem,
    IDENTITY_SK, IdentityItem, Item, META_SK, OPEN_GSI2PK, OUTBOX_GSI2PK, OUTBOX_SK_PREFIX,
    OutboxItem, ReportItem, from_item, queue_sk, report_from_item, report_pk, status_gsi1pk,
    to_item,
};
use super::{DynamoReportStore, TxFailure, classify};
use crate::domain::calendar::format_date;
use crate::domain::cases::{Case, Handoff};
use crate::domain::error::StoreError;
use crate::domain::identity::{Nik, Phone};
use crate::domain::record::ReportRecord;
use crate::domain::regno::RegistrationNumber;
use crate::domain::report::Reporter;
use crate::ports::{
    AssigneeFilter, Change, ChangeError, DueFilter, OutboxStore, QueueCursor, QueuePage,
    QueueQuery, WorkflowStore,
};
use time::Date;

/// The upper bound of the `CASE#…EVENT#…` range: every ULID sorts below `~`.
const EVENT_SK_END: &str = "EVENT#~";

/// Which index serves a queue query, and its key attribute names.
struct QueueIndex {
    name: &'static str,
    pk_attr: &'static str,
    sk_attr: &'static str,
    pk: String,
}

impl QueueIndex {
    fn for_query(q: &QueueQuery) -> Self {
        match q.status {
            // Every report of one status, open or closed.
            Some(s) => Self {
                name: "GSI1",
                pk_attr: "GSI1PK",
                sk_attr: "GSI1SK",
                pk: status_gsi1pk(s),
            },
            // The sparse index of open reports only.
            None => Self {
                name: "GSI2",
                pk_attr: "GSI2PK",
                sk_attr: "GSI2SK",
                pk: OPEN_GSI2PK.to_string(),
            },
        }
    }

    /// The position after `cursor` in this index.
    fn start_key(&self, cursor: &QueueCursor) -> Item {
        HashMap::from([
            ("PK".into(), AttributeValue::S(report_pk(&cursor.number))),
            ("SK".into(), AttributeValue::S(META_SK.into())),
            (self.pk_attr.into(), AttributeValue::S(self.pk.clone())),
            (
                self.sk_attr.into(),
                AttributeValue::S(queue_sk(&cursor.due_key, &cursor.number)),
            ),
        ])
    }

    fn cursor(&self, last_key: &Item) -> Option<QueueCursor> {
        let sk = last_key.get(self.sk_attr)?.as_s().ok()?;
        let (due_key, number) = sk.split_once('#')?;
        Some(QueueCursor {
            due_key: due_key.to_string(),
            number: RegistrationNumber::parse(number).ok()?,
        })
    }
}

impl WorkflowStore for DynamoReportStore {
    async fn record(
        &self,
        number: &RegistrationNumber,
    ) -> Result<Option<ReportRecord>, StoreError> {
        // META first, then the cases and events: everything read after META is at least as
        // new as it, and a change decided on this record is conditioned on META's version,
        // so a write in between surfaces as a conflict instead of a stale decision.
        let Some(meta) = self.get(report_pk(number), META_SK).await? else {
            return Ok(None);
        };
        let report = report_from_item(meta)?;
        // One range query over CASE#… and EVENT#… (IDENTITY and OUTBOX# sort after it).
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND SK BETWEEN :from AND :to")
            .expression_attribute_values(":pk", AttributeValue::S(report_pk(number)))
            .expression_attribute_values(":from", AttributeValue::S(CASE_SK_PREFIX.into()))
            .expression_attribute_values(":to", AttributeValue::S(EVENT_SK_END.into()))
            .consistent_read(true);
        let mut cases = Vec::new();
        let mut events = Vec::new();
        for item in self.query_all(query).await? {
            let sk = item.get("SK").and_then(|v| v.as_s().ok());
            match sk {
                Some(sk) if sk.starts_with(CASE_SK_PREFIX) => {
                    cases.push(from_item::<CaseItem>(item, "case")?.into_case()?);
                }
                Some(sk) if sk.starts_with(EVENT_SK_PREFIX) => {
                    events.push(from_item::<EventItem>(item, "event")?.into_event()?);
                }
                _ => {}
            }
        }
        events.sort_by_key(|e| e.id);
        Ok(Some(ReportRecord {
            report,
            cases,
            events,
        }))
    }

    async fn reporter(&self, number: &RegistrationNumber) -> Result<Option<Reporter>, StoreError> {
        let Some(item) = self.get(report_pk(number), IDENTITY_SK).await? else {
            return Ok(None);
        };
        let it: IdentityItem = from_item(item, "identity")?;
        let malformed = || StoreError::Other("stored identity is malformed".into());
        Ok(Some(Reporter {
            name: it.name,
            nik: Nik::parse(&it.nik).map_err(|_| malformed())?,
            phone: Phone::parse(&it.phone).map_err(|_| malformed())?,
            email: it.email,
        }))
    }

    async fn apply(&self, change: Change<'_>) -> Result<(), ChangeError> {
        let pk = report_pk(&change.report.registration_number);
        let expected = HashMap::from([(
            ":expected".to_string(),
            AttributeValue::N(change.expected_version.to_string()),
        )]);
        let mut items = Vec::with_capacity(
            1 + change.events.len() + change.cases.len() + change.handoffs.len(),
        );
        // Index 0: the report, only over the version it was decided on.
        items.push(self.put(
            to_item(&ReportItem::from_report(change.report))?,
            Some("version = :expected"),
            Some(expected),
        )?);
        for e in change.events {
            items.push(self.put(
                to_item(&EventItem::from_event(&pk, e))?,
                Some("attribute_not_exists(PK)"),
                None,
            )?);
        }
        for c in change.cases {
            items.push(self.put(to_item(&CaseItem::from_case(c))?, None, None)?);
        }
        for h in change.handoffs {
            items.push(self.put(to_item(&OutboxItem::from_handoff(h))?, None, None)?);
        }
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TxFailure::Cancelled(reasons)) => {
                let report_changed = reasons
                    .first()
                    .is_some_and(|c| c == "ConditionalCheckFailed");
                let conflict = reasons.iter().any(|c| c == "TransactionConflict");
                if report_changed || conflict || reasons.is_empty() {
                    Err(ChangeError::Conflict)
                } else {
                    // An event id already stored, or an invalid item: a bug, not a race.
                    Err(ChangeError::Store(StoreError::Other(format!(
                        "change cancelled: {}",
                        reasons.join(", ")
                    ))))
                }
            }
            Err(TxFailure::InProgress) => Err(ChangeError::Conflict),
            Err(TxFailure::Store(e)) => Err(ChangeError::Store(e)),
        }
    }

    async fn queue(&self, q: &QueueQuery) -> Result<QueuePage, StoreError> {
        let index = QueueIndex::for_query(q);
        let mut after = q.after.as_ref();
        let mut condition = format!("{} = :pk", index.pk_attr);
        let mut due_value = None;
        match q.due {
            DueFilter::Any => {}
            DueFilter::Before(d) => {
                let d = format_date(d);
                if after.is_some_and(|c| c.due_key >= d) {
                    // Nothing after the cursor is due before the date.
                    return Ok(QueuePage {
                        reports: Vec::new(),
                        next: None,
                    });
                }
                condition.push_str(&format!(" AND {} < :due", index.sk_attr));
                due_value = Some(d);
            }
            DueFilter::OnOrAfter(d) => {
                let d = format_date(d);
                if after.is_some_and(|c| c.due_key < d) {
                    // The whole range lies after the cursor (and DynamoDB refuses a start
                    // key outside the key condition).
                    after = None;
                }
                condition.push_str(&format!(" AND {} >= :due", index.sk_attr));
                due_value = Some(d);
            }
        }
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index.name)
            .key_condition_expression(condition)
            .expression_attribute_values(":pk", AttributeValue::S(index.pk.clone()))
            .set_exclusive_start_key(after.map(|c| index.start_key(c)))
            .limit(i32::try_from(q.limit.clamp(1, 1000)).unwrap_or(1000))
            .scan_index_forward(true);
        let out = match due_value {
            Some(d) => out.expression_attribute_values(":due", AttributeValue::S(d)),
            None => out,
        };
        // The assignee is a filter on the page read (the index has no key for it).
        let out = match &q.assignee {
            AssigneeFilter::Any => out,
            AssigneeFilter::Unassigned => out.filter_expression("attribute_not_exists(assignee)"),
            AssigneeFilter::Is(a) => out
                .filter_expression("assignee = :assignee")
                .expression_attribute_values(":assignee", AttributeValue::S(a.clone())),
        };
        let out = out.send().await.map_err(|e| classify(&e))?;
        let reports = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(report_from_item)
            .collect::<Result<Vec<_>, _>>()?;
        let next = match out.last_evaluated_key {
            Some(k) if !k.is_empty() => Some(index.cursor(&k).ok_or_else(|| {
                StoreError::Other("the index returned a malformed last key".into())
            })?),
            _ => None,
        };
        Ok(QueuePage { reports, next })
    }

    async fn cases_due(&self, before: Date, limit: u32) -> Result<Vec<Case>, StoreError> {
        self.indexed_cases(CASE_DUE_GSI2PK, Some(before), limit)
            .await
    }

    async fn escalated_cases(&self, limit: u32) -> Result<Vec<Case>, StoreError> {
        self.indexed_cases(CASE_ESCALATED_GSI2PK, None, limit).await
    }
}

impl DynamoReportStore {
    /// Cases of one partition of the case-deadline index, oldest deadline first.
    async fn indexed_cases(
        &self,
        partition: &str,
        before: Option<Date>,
        limit: u32,
    ) -> Result<Vec<Case>, StoreError> {
        let mut cases = Vec::new();
        let mut start = None;
        loop {
            let want = limit.saturating_sub(cases.len() as u32).clamp(1, 1000);
            let query = self
                .client
                .query()
                .table_name(&self.table)
                .index_name("GSI2")
                .expression_attribute_values(":pk", AttributeValue::S(partition.into()));
            let query = match before {
                Some(d) => query
                    .key_condition_expression("GSI2PK = :pk AND GSI2SK < :before")
                    .expression_attribute_values(":before", AttributeValue::S(format_date(d))),
                None => query.key_condition_expression("GSI2PK = :pk"),
            };
            let out = query
                .set_exclusive_start_key(start)
                .limit(i32::try_from(want).unwrap_or(1000))
                .scan_index_forward(true)
                .send()
                .await
                .map_err(|e| classify(&e))?;
            for item in out.items.unwrap_or_default() {
                cases.push(from_item::<CaseItem>(item, "case")?.into_case()?);
            }
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() && (cases.len() as u32) < limit => start = Some(k),
                _ => return Ok(cases),
            }
        }
    }
}

impl OutboxStore for DynamoReportStore {
    async fn handoffs(&self, number: &RegistrationNumber) -> Result<Vec<Handoff>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :outbox)")
            .expression_attribute_values(":pk", AttributeValue::S(report_pk(number)))
            .expression_attribute_values(":outbox", AttributeValue::S(OUTBOX_SK_PREFIX.into()))
            .consistent_read(true);
        self.query_all(query)
            .await?
            .into_iter()
            .map(|item| from_item::<OutboxItem>(item, "outbox")?.into_handoff())
            .collect()
    }

    async fn pending_handoffs(&self, limit: u32) -> Result<Vec<Handoff>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("GSI2")
            .key_condition_expression("GSI2PK = :outbox")
            .expression_attribute_values(":outbox", AttributeValue::S(OUTBOX_GSI2PK.into()))
            .limit(i32::try_from(limit.clamp(1, 1000)).unwrap_or(1000))
            .scan_index_forward(true)
            .send()
            .await
            .map_err(|e| classify(&e))?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(|item| from_item::<OutboxItem>(item, "outbox")?.into_handoff())
            .collect()
    }

    async fn complete_handoff(&self, handoff: &Handoff) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("PK", AttributeValue::S(report_pk(&handoff.number)))
            .key(
                "SK",
                AttributeValue::S(super::items::outbox_sk(&handoff.id)),
            )
            .send()
            .await
            .map_err(|e| classify(&e))?;
        Ok(())
    }
}
