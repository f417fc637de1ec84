//! The lifecycle after submission.
