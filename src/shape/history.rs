//! Metric histories as people and scripts see them: a table of points (with a dataset column
//! only when some point has one), MLflow's `Metric` dictionaries, records with the dataset's
//! name and digest.

use serde_json::{Value, json};

use crate::ops::history::Histories;
use std::collections::BTreeSet;

use crate::render::{Block, Cell, Style, Table, View, json_float, time_as};
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
        vec![Block::Table(table)]
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
