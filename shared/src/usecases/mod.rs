//! What citizens, staff, agencies and the scheduled functions do, on ports only.

pub mod agency;
pub mod attachments;
pub mod change;
pub mod citizen;
pub mod deadlines;
pub mod directory;
pub mod forwarding;
pub mod notifications;
pub mod onboarding;
pub mod reports;
pub mod staff;
pub mod stats;
pub mod views;
pub mod whatsapp;
