//! Metric histories as people and scripts see them: a sparkline per metric above a table of
//! points (with a dataset column only when some point has one), MLflow's `Metric`
//! dictionaries, records with the dataset's name and digest. Also the sparkline cells that
//! `compare` and `search` add.

use serde_json::{Value, json};

use std::collections::BTreeSet;

use crate::ops::history::{Histories, Spark};
use crate::render::chart::{SPARK_WIDTH, sparkline};
use crate::render::{Block, Cell, Style, Table, View, human_float, json_float, printable, time_as};
use crate::store::MetricPoint;

impl Histories {
    fn points(&self) -> impl Iterator<Item = (&str, &MetricPoint)> {
        self.series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| (s.key.as_str(), p)))
    }
}

impl View for Histories {
    fn human(&self, style: &Style) -> Vec<Block> {
        // The dataset column only when some line was logged with a dataset (3.x).
        let datasets = self.points().any(|(_, p)| p.dataset.is_some());
        // Points are logged seconds or less apart, often on one day: the day goes in the
        // header once, and times show milliseconds unless every point fell on a whole second.
        let days: BTreeSet<String> = self
            .points()
            .map(|(_, p)| time_as(p.timestamp, style, "%Y-%m-%d"))
            .collect();
        let ms = self.points().any(|(_, p)| p.timestamp % 1000 != 0);
        let clock = if ms { "%H:%M:%S%.3f" } else { "%H:%M:%S" };
        let (time_header, time_format) = match days.iter().next() {
            Some(day) if days.len() == 1 => (format!("Time ({day})"), clock.to_owned()),
            _ => ("Time".to_owned(), format!("%Y-%m-%d {clock}")),
        };
        let mut headers = vec!["Key".to_owned(), "Step".into(), time_header, "Value".into()];
        if datasets {
            headers.push("Dataset".into());
        }
        let mut table = Table::new(headers);
        let key_width = self.series.iter().map(|s| s.key.chars().count()).max();
        let sparks = self.series.iter().map(|s| {
            let values: Vec<f64> = s.points.iter().map(|p| p.value).collect();
            let (lo, hi) = finite_range(&values);
            format!(
                "{:<width$}  {:<SPARK_WIDTH$}  {} value{}, {} … {}",
                printable(&s.key),
                sparkline(&values, SPARK_WIDTH),
                values.len(),
                if values.len() == 1 { "" } else { "s" },
                human_float(lo),
                human_float(hi),
                width = key_width.unwrap_or(0),
            )
        });
        let mut blocks: Vec<Block> = sparks.map(Block::Text).collect();
        if !blocks.is_empty() {
            blocks.push(Block::Text(String::new()));
        }
        for (key, p) in self.points() {
            let mut row = vec![
                Cell::text(key),
                Cell::Int(p.step),
                Cell::Text(time_as(p.timestamp, style, &time_format)),
                Cell::Float(p.value),
            ];
            if datasets {
                row.push(Cell::text(p.dataset.as_ref().map_or("", |d| d.0.as_str())));
            }
            table.push(row);
        }
        blocks.push(Block::Table(table));
        blocks
    }

    fn json(&self) -> Option<Value> {
        let points = self.points().map(|(key, p)| {
            let mut point = json!({
                "key": key,
                "value": json_float(p.value),
                "timestamp": p.timestamp,
                "step": p.step,
            });
            if let Some((name, digest)) = &p.dataset {
                point["dataset_name"] = Value::from(name.as_str());
                point["dataset_digest"] = Value::from(digest.as_str());
            }
            point
        });
        Some(Value::Array(points.collect()))
    }

    fn records(&self) -> Option<Table> {
        let mut records = Table::new([
            "key",
            "step",
            "timestamp",
            "value",
            "dataset_name",
            "dataset_digest",
        ]);
        for (key, p) in self.points() {
            let (name, digest) = p.dataset.clone().unwrap_or_default();
            records.push(vec![
                Cell::text(key),
                Cell::Int(p.step),
                Cell::Int(p.timestamp),
                Cell::Float(p.value),
                Cell::Text(name),
                Cell::Text(digest),
            ]);
        }
        Some(records)
    }

    fn empty(&self) -> Option<&'static str> {
        self.series.is_empty().then_some("no metric values")
    }
}

/// The lowest and highest finite value (`inf`, `-inf` when there is none).
fn finite_range(values: &[f64]) -> (f64, f64) {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    })
}

impl Spark {
    /// The header of its column or row.
    pub fn label(&self) -> String {
        format!("spark({})", self.key)
    }

    /// Run `i`'s cell: the sparkline, empty where the run did not log the metric.
    pub fn cell(&self, i: usize) -> Cell {
        match &self.values[i] {
            Some(values) => Cell::Text(sparkline(values, SPARK_WIDTH)),
            None => Cell::Empty,
        }
    }
}
