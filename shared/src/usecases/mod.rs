//! What citizens, staff, agencies and the scheduled functions do, on ports only.

pub mod agency;
pub mod change;
pub mod citizen;
pub mod deadlines;
pub mod forwarding;
pub mod notifications;
pub mod reports;
pub mod staff;
pub mod whatsapp;
