//! What the check modules build their scripts from, one module per kind, one name per idea:
//!
//! | module | holds | e.g. |
//! |---|---|---|
//! | [`packets`] | packets the test client sends (JSON form) and CONNECT fields | [`packets::publish`], [`packets::subscribe`], [`packets::persistent_session`] |
//! | [`patterns`] | patterns of one packet the broker sends | [`patterns::connack`], [`patterns::suback`], [`patterns::message`] |
//! | [`outcomes`] | the legal reactions of a broker, for `expect_any` / `connect_any` | [`outcomes::refused`], [`outcomes::suback_refusal`] |
//! | [`flows`] | step sequences: an exchange and the answers it waits for | [`flows::subscribed`], [`flows::published`], [`flows::session_then`] |
//!
//! Step and outcome builders themselves (`s::connect`, `s::expect`, `s::should`, ...) are in
//! [`crate::script::s`]; what differs between the protocol versions (JSON keys, statement ids) is
//! on [`crate::check::Version`] (`pick`, `code_key`, `codes_key`, `clean_start_key`). A helper used
//! by one check module only stays in that module.

pub mod flows;
pub mod outcomes;
pub mod packets;
pub mod patterns;
