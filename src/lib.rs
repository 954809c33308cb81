//! mlrs: a fast command-line tool for MLflow's file-based tracking store.
//!
//! Layers: [`store`] (the on-disk model, the only reader and writer), `query` (filters and
//! ordering, pure), `render` (rows in, bytes out), [`cli`] (clap and dispatch). Only what the
//! binary and the integration tests use is public.

pub mod cli;
pub mod pyfloat;
mod query;
mod render;
pub mod store;
