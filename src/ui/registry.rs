//! The registry view: each registered model, its versions under it with stage, aliases, tags
//! and source run; Enter on a version opens its run, `t`/`a` move its stage or an alias.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::data;
use super::model::{Input, Model, Overlay, motion};
use crate::store::Store;
use crate::store::registry::RegisteredModel;

#[derive(Debug, Default)]
pub(crate) struct RegistryState {
    pub models: Vec<RegisteredModel>,
    /// (model index, version index) per line; a model's own line has no version.
    pub lines: Vec<(usize, Option<usize>)>,
    pub cursor: usize,
    pub error: Option<String>,
}

impl RegistryState {
    pub fn load(&mut self, store: &Store) {
        let selected = self.selected_version();
        match data::models(store) {
            Ok(listing) => {
                self.models = listing.items;
                self.error = data::problem_line(&listing.problems);
            }
            Err(e) => self.error = Some(format!("mlrs: error: {e:#}")),
        }
        self.lines.clear();
        for (i, model) in self.models.iter().enumerate() {
            self.lines.push((i, None));
            let mut versions: Vec<usize> = model
                .versions
                .iter()
                .enumerate()
                .filter(|(_, v)| !v.is_deleted())
                .map(|(j, _)| j)
                .collect();
            versions.sort_by_key(|&j| std::cmp::Reverse(model.versions[j].version));
            self.lines
                .extend(versions.into_iter().map(|j| (i, Some(j))));
        }
        if let Some((name, version)) = selected {
            self.select(&name, version);
        }
        self.cursor = self.cursor.min(self.lines.len().saturating_sub(1));
    }

    pub fn move_cursor(&mut self, delta: isize) {
        self.cursor = self
            .cursor
            .saturating_add_signed(delta)
            .min(self.lines.len().saturating_sub(1));
    }

    /// The model name and version under the cursor.
    pub fn selected_version(&self) -> Option<(String, u64)> {
        let (m, v) = *self.lines.get(self.cursor)?;
        let model = &self.models[m];
        Some((model.name.clone(), model.versions[v?].version))
    }

    pub fn select(&mut self, name: &str, version: u64) {
        if let Some(i) = self.lines.iter().position(|&(m, v)| {
            self.models[m].name == name
                && v.is_some_and(|v| self.models[m].versions[v].version == version)
        }) {
            self.cursor = i;
        }
    }
}

pub(crate) fn key(m: &mut Model, key: KeyEvent) {
    if let Some(step) = motion(&key, m.page()) {
        m.registry.move_cursor(step);
        return;
    }
    let Some(&(mi, Some(vi))) = m.registry.lines.get(m.registry.cursor) else {
        return;
    };
    match key.code {
        KeyCode::Enter => match m.registry.models[mi].versions[vi].run_id.clone() {
            Some(run) if !run.is_empty() => m.open_detail(&run),
            _ => m.message = Some("this version has no source run".into()),
        },
        KeyCode::Char('t') | KeyCode::Char('a') if m.read_only => {
            m.message = Some("read-only: changes are off (started with --read-only)".into());
        }
        KeyCode::Char('t') => m.overlay = Overlay::Input(Input::Stage, String::new()),
        KeyCode::Char('a') => m.overlay = Overlay::Input(Input::Alias, String::new()),
        _ => {}
    }
}

pub(crate) fn render(m: &Model, f: &mut Frame, area: Rect) {
    let theme = m.theme();
    let r = &m.registry;
    let block = Block::bordered().title(format!(" Models {} ", r.models.len()));
    let inner = block.inner(area);
    let height = usize::from(inner.height);
    let top = r.cursor.saturating_sub(height.saturating_sub(1));
    let mut lines: Vec<Line> = Vec::new();
    if let Some(e) = &r.error {
        lines.push(Line::from(Span::styled(e.clone(), theme.error())));
    }
    if r.lines.is_empty() {
        lines.push(Line::from("no registered models"));
    }
    for (i, &(mi, vi)) in r.lines.iter().enumerate().skip(top).take(height) {
        let model = &r.models[mi];
        let mut line = match vi {
            None => {
                let aliases: Vec<String> = model
                    .aliases
                    .iter()
                    .map(|(a, v)| format!("@{a}→v{v}"))
                    .collect();
                Line::from(vec![
                    Span::styled(model.name.clone(), theme.header()),
                    Span::raw(format!(
                        "  {} versions  {}",
                        model.live_versions().count(),
                        aliases.join(" ")
                    )),
                ])
            }
            Some(vi) => {
                let v = &model.versions[vi];
                let run = v
                    .run_id
                    .as_deref()
                    .map(|id| id.chars().take(8).collect::<String>())
                    .unwrap_or_default();
                let tags: Vec<String> = v.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let aliases: Vec<String> = v.aliases.iter().map(|a| format!("@{a}")).collect();
                Line::from(vec![
                    Span::raw(format!("  v{:<4} ", v.version)),
                    Span::styled(format!("{:<11}", v.current_stage.as_str()), theme.key()),
                    Span::styled(format!("{:<16}", aliases.join(" ")), theme.marked()),
                    Span::raw(format!("run {run:<9} {}", tags.join(" "))),
                ])
            }
        };
        if i == r.cursor {
            line = line.style(theme.cursor());
        }
        lines.push(line);
    }
    f.render_widget(Paragraph::new(lines).block(block), area);
}
