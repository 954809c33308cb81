//! The run detail: info, params, latest metrics with sparklines of their history, tags,
//! dataset inputs, the artifact tree with sizes (a text file opens in the viewer) and the
//! registered versions made from the run.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::data::{self, Action, RunDetail};
use super::model::{Model, View, motion};
use crate::render::{Cell, Style, human_bytes, human_float};

/// One line of the detail.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    Section(&'static str),
    Pair(String, String),
    /// A tag: `d` deletes it.
    Tag(String, String),
    Metric(String, f64, String),
    /// Index into `RunDetail::artifacts`.
    Artifact(usize),
    /// Index into `RunDetail::versions`.
    Version(usize),
}

pub(crate) fn items(d: &RunDetail, utc: bool) -> Vec<Item> {
    let info = &d.run.info;
    let style = Style {
        color: false,
        width: None,
        utc,
    };
    let time = |t: Option<i64>| Cell::opt_time(t).human(&style);
    let mut out = vec![
        Item::Section("Run"),
        Item::Pair("run_id".into(), info.run_id.clone()),
        Item::Pair("name".into(), info.run_name.clone()),
        Item::Pair(
            "experiment".into(),
            format!("{} ({})", d.experiment, info.experiment_id),
        ),
        Item::Pair("status".into(), info.status.as_str().into()),
        Item::Pair("lifecycle".into(), info.lifecycle_stage.as_str().into()),
        Item::Pair("user".into(), info.user_id.clone()),
        Item::Pair("start".into(), time(info.start_time)),
        Item::Pair("end".into(), time(info.end_time)),
        Item::Pair("artifacts".into(), info.artifact_uri.clone()),
    ];
    let data = &d.run.data;
    if !data.params.is_empty() {
        out.push(Item::Section("Params"));
        out.extend(
            data.params
                .iter()
                .map(|(k, v)| Item::Pair(k.clone(), v.clone())),
        );
    }
    if !data.metrics.is_empty() {
        out.push(Item::Section("Metrics (latest, history)"));
        for (k, v) in &data.metrics {
            let spark = d
                .histories
                .get(k)
                .map(|h| crate::render::chart::sparkline(h, 24))
                .unwrap_or_default();
            out.push(Item::Metric(k.clone(), *v, spark));
        }
    }
    if !data.tags.is_empty() {
        out.push(Item::Section("Tags"));
        out.extend(
            data.tags
                .iter()
                .map(|(k, v)| Item::Tag(k.clone(), v.clone())),
        );
    }
    if !data.dataset_inputs.is_empty() {
        out.push(Item::Section("Datasets"));
        for i in &data.dataset_inputs {
            let context = i
                .tags
                .get("mlflow.data.context")
                .cloned()
                .unwrap_or("-".into());
            out.push(Item::Pair(
                context,
                format!("{} ({})", i.dataset.name, i.dataset.digest),
            ));
        }
    }
    if !d.artifacts.is_empty() {
        out.push(Item::Section("Artifacts"));
        out.extend((0..d.artifacts.len()).map(Item::Artifact));
    }
    if !d.versions.is_empty() {
        out.push(Item::Section("Registered versions"));
        out.extend((0..d.versions.len()).map(Item::Version));
    }
    out
}

pub(crate) fn key(m: &mut Model, key: KeyEvent) {
    let Some(d) = &m.detail else { return };
    let items = items(d, m.utc);
    if let Some(step) = motion(&key, m.page()) {
        m.detail_cursor = m
            .detail_cursor
            .saturating_add_signed(step)
            .min(items.len().saturating_sub(1));
        return;
    }
    match (key.code, items.get(m.detail_cursor)) {
        (KeyCode::Char('d'), Some(Item::Tag(k, _))) => {
            let action = Action::DeleteTag {
                run: d.run.info.run_id.clone(),
                key: k.clone(),
            };
            m.ask(action);
        }
        (KeyCode::Enter, Some(Item::Artifact(i))) => {
            let a = &d.artifacts[*i];
            if a.size.is_none() {
                return;
            }
            let title = a.path.clone();
            match data::read_text(&m.store, &d.run.info.run_id, &a.path, 4 << 20) {
                Ok(Some(text)) => {
                    let lines = text.lines().map(|l| l.replace('\t', "    ")).collect();
                    m.go(View::Viewer(title, lines, 0));
                }
                Ok(None) => m.message = Some(format!("{title} is not text")),
                Err(e) => m.message = Some(format!("mlrs: error: {e:#}")),
            }
        }
        (KeyCode::Enter, Some(Item::Version(i))) => {
            let v = d.versions[*i].clone();
            m.registry.load(&m.store);
            m.registry.select(&v.model, v.version);
            m.go(View::Registry);
        }
        _ => {}
    }
}

pub(crate) fn render(m: &Model, f: &mut Frame, area: Rect) {
    let Some(d) = &m.detail else { return };
    let theme = m.theme();
    let items = items(d, m.utc);
    let block = Block::bordered().title(format!(" Run {} ", d.run.info.run_name));
    let inner = block.inner(area);
    let height = usize::from(inner.height);
    let top = m.detail_cursor.saturating_sub(height.saturating_sub(1));
    let key_width = 22;
    let lines: Vec<Line> = items
        .iter()
        .enumerate()
        .skip(top)
        .take(height)
        .map(|(i, item)| {
            let mut line = match item {
                Item::Section(s) => Line::from(Span::styled(*s, theme.header())),
                Item::Pair(k, v) | Item::Tag(k, v) => Line::from(vec![
                    Span::styled(
                        format!("  {:<key_width$} ", super::clip(k, key_width)),
                        theme.key(),
                    ),
                    Span::raw(crate::render::printable(v).into_owned()),
                ]),
                Item::Metric(k, v, spark) => Line::from(vec![
                    Span::styled(
                        format!("  {:<key_width$} ", super::clip(k, key_width)),
                        theme.key(),
                    ),
                    Span::raw(format!("{:<12} ", human_float(*v))),
                    Span::styled(spark.clone(), theme.line(0)),
                ]),
                Item::Artifact(a) => {
                    let a = &d.artifacts[*a];
                    let name = a.path.rsplit('/').next().unwrap_or(&a.path);
                    let indent = "  ".repeat(a.depth + 1);
                    match a.size {
                        Some(size) => Line::from(format!("{indent}{name}  {}", human_bytes(size))),
                        None => Line::from(format!("{indent}{name}/")),
                    }
                }
                Item::Version(v) => {
                    let v = &d.versions[*v];
                    Line::from(format!("  {} v{}  {}", v.model, v.version, v.stage))
                }
            };
            if i == m.detail_cursor {
                line = line.style(theme.cursor());
            }
            line
        })
        .collect();
    f.render_widget(Paragraph::new(lines).block(block), area);
}

pub(crate) fn render_viewer(title: &str, lines: &[String], top: usize, f: &mut Frame, area: Rect) {
    let block = Block::bordered().title(format!(" {title} · line {}/{} ", top + 1, lines.len()));
    let inner = block.inner(area);
    let text: Vec<Line> = lines
        .iter()
        .skip(top)
        .take(usize::from(inner.height))
        .map(|l| Line::from(crate::render::printable(l).into_owned()))
        .collect();
    f.render_widget(Paragraph::new(text).block(block), area);
}
