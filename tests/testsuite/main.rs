//! Integration tests: the real `mlrs` binary over copies of stores real MLflow wrote, and real
//! MLflow reading what mlrs wrote. Snapshots regenerate with `SNAPSHOTS=overwrite`.

mod artifacts;
mod common;
mod completion;
mod damaged;
mod direction;
mod doctor;
mod faults;
mod gc;
mod hostile;
mod logging;
mod merge;
mod newcomer;
mod newcomer2;
mod plot;
mod read_fixtures;
mod registry_read;
mod registry_write;
mod report;
mod robustness;
mod search_cli;
mod search_mlflow;
mod search_props;
mod store_errors;
mod sync;
mod ui;
mod write_interop;
