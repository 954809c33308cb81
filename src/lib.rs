//! mlrs: a fast command-line tool for MLflow's file-based tracking store.
//!
//! Layers: [`store`] (the on-disk model, the only reader and writer), [`query`] (filters and
//! ordering, pure), [`ops`] (the use cases: plain requests in, plain results out), [`shape`]
//! (each result as tables, MLflow's JSON and records), [`render`] (views in, bytes out),
//! front-ends [`cli`] (clap: parse, call one use case, show its result) and [`ui`] (the
//! terminal UI).

pub mod cli;
pub mod ops;
pub mod pyfloat;
pub mod query;
pub mod render;
pub mod shape;
pub mod store;
pub mod ui;
