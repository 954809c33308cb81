//! mlrs: a fast command-line tool for MLflow's file-based tracking store.
//!
//! Layers: [`store`] (the on-disk model, the only reader and writer), [`query`] (filters and
//! ordering, pure), [`ops`] (the use cases: plain requests in, plain results out), [`shape`]
//! (each result as tables, MLflow's JSON and records), [`render`] (views in, bytes out),
//! front-ends [`cli`] (clap: parse, call one use case, show its result) and [`ui`] (the
//! terminal UI).
//!
//! Only what the binary and the integration tests use is public: [`cli`]'s entry points, the
//! store's API and Python's float text rules. The middle layers are crate-private, so nothing
//! outside reaches past the front-ends, and unused code in them is a compiler warning.

pub mod cli;
pub(crate) mod ops;
pub mod pyfloat;
pub(crate) mod query;
pub(crate) mod remote;
pub(crate) mod render;
pub(crate) mod shape;
pub mod store;
pub(crate) mod ui;
