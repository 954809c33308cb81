//! mlrs: a fast command-line tool for MLflow's file-based tracking store.
//!
//! Layers: [`store`] (the on-disk model, the only reader and writer), [`query`] (filters and
//! ordering, pure), [`render`] (rows in, bytes out), front-ends [`cli`] (clap and dispatch) and
//! [`ui`] (the terminal UI).

pub mod cli;
pub mod ops;
pub mod pyfloat;
pub mod query;
pub mod render;
pub mod store;
pub mod ui;
