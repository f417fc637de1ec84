//! The walk-in desk: reports typed in by a desk officer, within the desk's hours and daily
//! capacity, answered like a web submission plus a printable receipt.

use time::OffsetDateTime;

use crate::domain::calendar::format_wib;
use crate::domain::desk::{self, DeskHours, DeskQuota};
use crate::domain::error::ApiError;
use crate::domain::report::Channel;
use crate::domain::submission::SubmissionInput;
use crate::ports::{AttachmentStore, ReportStore};
use crate::usecases::reports::{Desk, Idempotency, Reports, Submission, Submitted};
use crate::usecases::staff::Staff;
use crate::usecases::staff::user::{DESK, StaffUser};

impl<S: ReportStore, T, A: AttachmentStore> Staff<'_, S, T, A> {
    /// `POST /v1/staff/desk-reports` (desk group). `input` is the body as the handler decoded
    /// it: a closed desk is reported before any problem of the body.
    pub async fn desk_report(
        &self,
        user: &StaffUser,
        input: Result<SubmissionInput, ApiError>,
        idempotency: Option<Idempotency>,
        now: OffsetDateTime,
    ) -> Result<Submitted, ApiError> {
        user.require(DESK)?;
        let hours = desk::hours(self.calendar, now).map_err(|e| {
            tracing::error!(error = %e, code = "calendar_out_of_range", "desk hours unknown");
            ApiError::Internal
        })?;
        let day = match hours {
            DeskHours::Open { day } => day,
            DeskHours::Closed { next_opening } => {
                return Err(ApiError::DeskClosed {
                    next_opening: format_wib(next_opening),
                });
            }
        };
        let submission = Submission {
            input: input?,
            channel: Channel::Desk,
            idempotency,
            desk: Some(Desk {
                quota: DeskQuota {
                    day,
                    capacity: self.desk_capacity,
                },
                officer: user.subject.clone(),
            }),
        };
        let reports = Reports {
            store: self.store,
            files: self.files,
            calendar: self.calendar,
        };
        reports.submit(now, submission).await
    }
}
