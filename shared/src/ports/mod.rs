//! Ports: what the domain needs from the outside world, with no AWS types.

pub mod stats;
pub mod whatsapp;

use std::future::Future;
use time::{Date, OffsetDateTime};

use crate::domain::agencies::{AgencyRecord, ApiKeyRecord};
use crate::domain::cases::{Case, Handoff};
use crate::domain::error::StoreError;
use crate::domain::idempotency::IdempotencyRecord;
use crate::domain::record::ReportRecord;
use crate::domain::regno::RegistrationNumber;
use crate::domain::report::{Report, Reporter, Status, TimelineEvent};

/// Why a new report was not stored.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// Another report already has this registration number: draw a new one.
    #[error("registration number already taken")]
    NumberTaken,
    /// The idempotency key has a record already: replay it.
    #[error("idempotency record exists")]
    IdempotencyKeyExists,
    /// A concurrent write touched the same items: retry shortly.
    #[error("conflicting concurrent write")]
    Conflict,
    /// The desk's daily capacity is used up.
    #[error("desk capacity reached")]
    QuotaReached,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Storage of reports and their timelines.
pub trait ReportStore: Send + Sync {
    /// Stores a new report, its reporter's identity, its first timeline event and (when the
    /// client sent an Idempotency-Key) the idempotency record, all or nothing. An existing
    /// idempotency record blocks the write unless it expired before `idempotency.created_at`.
    /// With a desk quota, the day's counter is incremented in the same write, which fails
    /// with [`CreateError::QuotaReached`] once the capacity is used.
    fn create_report(
        &self,
        report: &Report,
        reporter: Option<&Reporter>,
        event: &TimelineEvent,
        idempotency: Option<&IdempotencyRecord>,
        quota: Option<&crate::domain::desk::DeskQuota>,
    ) -> impl Future<Output = Result<(), CreateError>> + Send;

    /// A strongly consistent read of an idempotency record.
    fn idempotency_record(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<IdempotencyRecord>, StoreError>> + Send;

    fn report(
        &self,
        number: &RegistrationNumber,
    ) -> impl Future<Output = Result<Option<Report>, StoreError>> + Send;

    /// The report's timeline, oldest first.
    fn timeline(
        &self,
        number: &RegistrationNumber,
    ) -> impl Future<Output = Result<Vec<TimelineEvent>, StoreError>> + Send;
}

/// One change to a report, written all or nothing: the new report state (only if the
/// stored version is still `expected_version`), new timeline events, new or changed
/// cases, and new outbox items.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    pub expected_version: u64,
    pub report: &'a Report,
    pub events: &'a [TimelineEvent],
    pub cases: &'a [Case],
    pub handoffs: &'a [Handoff],
}

#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// The report changed since it was read: read it again and redo the decision.
    #[error("the report was changed concurrently")]
    Conflict,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Which due dates a queue query wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueFilter {
    Any,
    /// Due strictly before this date (overdue when it is today).
    Before(Date),
    /// Due on or after this date, or without a due date.
    OnOrAfter(Date),
}

/// Where a page of the triage queue ended: `<due date>_<registration number>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueCursor {
    /// The due date as `YYYY-MM-DD` (`9999-12-31` for none, `0000-00-00` for a report
    /// marked for re-routing).
    pub due_key: String,
    pub number: RegistrationNumber,
}

/// The queue key of reports without a due date: they sort last.
pub const NO_DUE_KEY: &str = "9999-12-31";
/// The queue key of reports marked for re-routing: they head the triage queue, as if due
/// at once (so they are also among the `overdue=true` ones).
pub const REROUTE_KEY: &str = "0000-00-00";

impl QueueCursor {
    /// Where `report` sorts in the triage queue: by due date, a report marked for
    /// re-routing first.
    pub fn key_of(report: &Report) -> String {
        if report.rerouting {
            return REROUTE_KEY.to_string();
        }
        report.due_date.map_or_else(
            || NO_DUE_KEY.to_string(),
            crate::domain::calendar::format_date,
        )
    }

    pub fn encode(&self) -> String {
        format!("{}_{}", self.due_key, self.number)
    }

    pub fn decode(s: &str) -> Option<Self> {
        let (due, number) = s.split_once('_')?;
        // Exactly `YYYY-MM-DD` as the server issues it (no sign, no wider year).
        if due.len() != 10 || !due.as_bytes()[0].is_ascii_digit() {
            return None;
        }
        let f = time::macros::format_description!("[year]-[month]-[day]");
        if due != REROUTE_KEY {
            Date::parse(due, f).ok()?;
        }
        Some(Self {
            due_key: due.to_string(),
            number: RegistrationNumber::parse(number).ok()?,
        })
    }
}

/// Whose reports a queue query wants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum AssigneeFilter {
    #[default]
    Any,
    Unassigned,
    /// Assigned to this user name.
    Is(String),
}

impl AssigneeFilter {
    pub fn admits(&self, report: &Report) -> bool {
        match self {
            AssigneeFilter::Any => true,
            AssigneeFilter::Unassigned => report.assignee.is_none(),
            AssigneeFilter::Is(a) => report.assignee.as_deref() == Some(a.as_str()),
        }
    }
}

/// Open reports (or one status) by due date, soonest first.
#[derive(Debug, Clone)]
pub struct QueueQuery {
    /// `None`: every open report.
    pub status: Option<Status>,
    pub due: DueFilter,
    /// Applied to each page read from the index, as a filter: a page may hold fewer than
    /// `limit` reports and still have a next cursor.
    pub assignee: AssigneeFilter,
    pub limit: u32,
    pub after: Option<QueueCursor>,
}

#[derive(Debug, Clone)]
pub struct QueuePage {
    pub reports: Vec<Report>,
    pub next: Option<QueueCursor>,
}

/// The reads and writes of the lifecycle after submission.
pub trait WorkflowStore: Send + Sync {
    /// The report, its cases and its timeline.
    fn record(
        &self,
        number: &RegistrationNumber,
    ) -> impl Future<Output = Result<Option<ReportRecord>, StoreError>> + Send;

    /// The reporter's identity (staff and, for `standard` reports, receiving agencies).
    fn reporter(
        &self,
        number: &RegistrationNumber,
    ) -> impl Future<Output = Result<Option<Reporter>, StoreError>> + Send;

    fn apply(&self, change: Change<'_>) -> impl Future<Output = Result<(), ChangeError>> + Send;

    /// The triage queue, served by an index, never a scan.
    fn queue(
        &self,
        query: &QueueQuery,
    ) -> impl Future<Output = Result<QueuePage, StoreError>> + Send;

    /// Open cases not yet escalated for their running deadline (first response, then
    /// completion target) whose deadline is before `before`, oldest deadline first, at most
    /// `limit`: served by an index of open cases by deadline.
    fn cases_due(
        &self,
        before: Date,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Case>, StoreError>> + Send;

    /// Open cases already escalated for their running deadline, oldest deadline first, at
    /// most `limit` (the supervisors' list; from the same index).
    fn escalated_cases(
        &self,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Case>, StoreError>> + Send;
}

/// The outbox of hand-offs not yet on an agency's queue.
pub trait OutboxStore: Send + Sync {
    fn handoffs(
        &self,
        number: &RegistrationNumber,
    ) -> impl Future<Output = Result<Vec<Handoff>, StoreError>> + Send;

    /// The oldest pending hand-offs of any report (the periodic sweep).
    fn pending_handoffs(
        &self,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Handoff>, StoreError>> + Send;

    /// Removes a hand-off once its message is on the queue; removing it twice is fine.
    fn complete_handoff(
        &self,
        handoff: &Handoff,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Onboarded agencies and their API keys (stored as hashes only).
pub trait AgencyStore: Send + Sync {
    fn agency(
        &self,
        code: &str,
    ) -> impl Future<Output = Result<Option<AgencyRecord>, StoreError>> + Send;

    fn api_key(
        &self,
        key_hash: &str,
    ) -> impl Future<Output = Result<Option<ApiKeyRecord>, StoreError>> + Send;

    /// Writes the agency and the given key records together.
    fn save_agency(
        &self,
        agency: &AgencyRecord,
        keys: &[ApiKeyRecord],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Writes many agencies with their keys, in as few requests as the store allows; not
    /// all or nothing, but every item is written before it answers `Ok`.
    fn save_agencies(
        &self,
        agencies: &[(AgencyRecord, Vec<ApiKeyRecord>)],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// A message received from a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMessage {
    pub body: String,
    pub receipt: String,
}

/// The outcome of an operation on a received message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiptOutcome {
    Done,
    /// The receipt is not (or no longer) valid for this queue.
    InvalidReceipt,
}

/// The agencies' hand-off queues.
pub trait HandoffQueues: Send + Sync {
    /// Sends with a deduplication id: the same id sent twice is delivered once.
    fn send(
        &self,
        queue_url: &str,
        body: &str,
        group_id: &str,
        dedup_id: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Long-polls for up to `max` messages, waiting up to `wait_seconds`.
    fn receive(
        &self,
        queue_url: &str,
        max: i32,
        wait_seconds: i32,
    ) -> impl Future<Output = Result<Vec<QueuedMessage>, StoreError>> + Send;

    fn delete(
        &self,
        queue_url: &str,
        receipt: &str,
    ) -> impl Future<Output = Result<ReceiptOutcome, StoreError>> + Send;

    /// Proves a receipt belongs to a message currently received (in flight) by keeping it
    /// hidden for `seconds` more; `InvalidReceipt` for a forged, foreign or expired one.
    fn hold(
        &self,
        queue_url: &str,
        receipt: &str,
        seconds: i32,
    ) -> impl Future<Output = Result<ReceiptOutcome, StoreError>> + Send;
}

/// Asks the forwarding function to drain a report's outbox now (best effort: the
/// periodic sweep drains whatever a lost trigger left behind).
pub trait ForwardingTrigger: Send + Sync {
    fn kick(
        &self,
        number: &RegistrationNumber,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The queue the notifier consumes: one message per status change to tell the citizen.
pub trait NotificationQueue: Send + Sync {
    fn enqueue(
        &self,
        message: &crate::domain::cases::NotificationMessage,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The operations topic: escalations of late cases and overdue reports (and, outside the
/// service, the dead-letter alarms), for the people on call.
pub trait OpsAlerts: Send + Sync {
    /// Publishes one alert. Carries no personal data: numbers, agencies, dates.
    fn publish(
        &self,
        alert: &crate::domain::cases::OpsAlert,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Notifications sent, one per (report, event): a claim taken before sending.
pub trait NotificationLog: Send + Sync {
    /// Claims the notification of `event_id`; `false` when it was sent already or another
    /// sender holds a claim younger than `lease`.
    fn claim(
        &self,
        number: &RegistrationNumber,
        event_id: &str,
        now: OffsetDateTime,
        lease: time::Duration,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Marks it sent (a later claim is refused for good).
    fn complete(
        &self,
        number: &RegistrationNumber,
        event_id: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Gives a claim up after a failed send, so a retry can send.
    fn release(
        &self,
        number: &RegistrationNumber,
        event_id: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// When a WhatsApp user last wrote to the service (the 24-hour free-form window).
pub trait ConversationWindow: Send + Sync {
    fn last_inbound(
        &self,
        wa_id: &str,
    ) -> impl Future<Output = Result<Option<OffsetDateTime>, StoreError>> + Send;
}

/// Creates an agency's hand-off queue and its dead-letter queue (onboarding).
pub trait QueueAdmin: Send + Sync {
    /// Returns (queue URL, dead-letter queue URL); existing queues are reused.
    fn ensure_handoff_queue(
        &self,
        agency_code: &str,
        visibility_timeout_seconds: i32,
    ) -> impl Future<Output = Result<(String, String), StoreError>> + Send;
}

/// The private attachment bucket.
pub trait AttachmentStore: Send + Sync {
    /// A presigned upload for `pending/<id>`, bound to the type and the exact size.
    fn upload_target(
        &self,
        id: &str,
        media: crate::domain::attachments::MediaType,
        size: u64,
        expires_in: std::time::Duration,
    ) -> impl Future<Output = Result<crate::domain::attachments::UploadTarget, StoreError>> + Send;

    /// The uploaded object (pending or already promoted), with its leading bytes.
    fn inspect(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<crate::domain::attachments::StoredObject>, StoreError>> + Send;

    /// Keeps a referenced upload (out of reach of the expiry of unreferenced uploads).
    /// Promoting twice is fine.
    fn promote(&self, id: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Stores bytes received another way (WhatsApp media) directly as a kept attachment.
    fn put(
        &self,
        id: &str,
        media: crate::domain::attachments::MediaType,
        bytes: Vec<u8>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// A short-lived presigned GET of a kept attachment.
    fn download_link(
        &self,
        id: &str,
        expires_in: std::time::Duration,
    ) -> impl Future<Output = Result<String, StoreError>> + Send;
}

/// Outgoing WhatsApp messages and media, through the Cloud (Graph) API.
pub trait WhatsAppApi: Send + Sync {
    /// A free-form text (allowed within 24 hours of the citizen's last message).
    fn send_text(
        &self,
        to: &str,
        body: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// A pre-approved template message (outside the 24-hour window).
    fn send_template(
        &self,
        to: &str,
        template: &str,
        language: &str,
        params: &[String],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Downloads a media object by its id: (MIME type, bytes).
    fn media(
        &self,
        media_id: &str,
    ) -> impl Future<Output = Result<(String, Vec<u8>), StoreError>> + Send;
}

/// The current time (a port so tests can fix it).
pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A function's state and the clock it tells the time by: the system clock in Lambda and
/// in `lapor-local`, a fixed one in tests (`with_clock`). It derefs to the state.
#[derive(Debug, Clone)]
pub struct Clocked<S, C = SystemClock> {
    pub state: S,
    pub clock: C,
}

impl<S> Clocked<S> {
    /// The state on the system clock.
    pub fn new(state: S) -> Self {
        Self {
            state,
            clock: SystemClock,
        }
    }
}

impl<S, C: Clock> Clocked<S, C> {
    /// The same state on another clock.
    pub fn with_clock<D: Clock>(self, clock: D) -> Clocked<S, D> {
        Clocked {
            state: self.state,
            clock,
        }
    }
}

impl<S, C> std::ops::Deref for Clocked<S, C> {
    type Target = S;

    fn deref(&self) -> &S {
        &self.state
    }
}

/// A clock that always answers the same instant.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}
