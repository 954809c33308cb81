//! The UI's state (`Model`), what can happen to it (`Msg`) and the one `update` that turns a
//! message into the next state. Store I/O goes through `data`; drawing is `view`'s. Must not
//! touch the terminal.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, mpsc};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::charts::ChartState;
use super::compare::CompareState;
use super::data::{self, Action, ExperimentRow, RunDetail};
use super::entry::{self, Entry, Interner, Layout};
use super::plot::PlotState;
use super::registry::RegistryState;
use crate::ops::columns::{Columns, Kind};
use crate::query::{Attr, Directions, Field, Filter, OrderBy, Target, best_all};
use crate::render::chart::Symbols;
use crate::store::{Experiment, Problem, Store};

/// Something that happened: a key, the mouse, data arriving, time passing.
#[derive(Debug)]
pub(crate) enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// The table's data of some runs, read in the background after the first screen.
    Loaded(data::Loaded),
    /// Time for the live refresh.
    Tick,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Focus {
    Experiments,
    Runs,
}

/// The full-screen view under any overlay.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum View {
    Runs,
    Detail,
    /// A text artifact: title, lines, first line shown.
    Viewer(String, Vec<String>, usize),
    Charts,
    /// Scatter plot or parallel coordinates of the marked runs (or the whole table).
    Plot,
    Compare,
    Registry,
}

/// What a text input is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Input {
    Filter,
    Columns,
    SetTag,
    DeleteTag,
    Rename,
    Scatter,
    Parallel,
    Stage,
    Alias,
}

impl Input {
    pub fn prompt(self) -> &'static str {
        match self {
            Input::Filter => "/",
            Input::Columns => "columns: ",
            Input::SetTag => "tag KEY=VALUE: ",
            Input::DeleteTag => "delete tag KEY: ",
            Input::Scatter => "scatter X Y: ",
            Input::Parallel => "parallel KEYS: ",
            Input::Rename => "new name: ",
            Input::Stage => "stage (None, Staging, Production, Archived): ",
            Input::Alias => "alias: ",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Overlay {
    None,
    Help,
    Input(Input, String),
    Confirm(Action),
}

/// One table row: the index of a run in `Model::runs` and its nesting depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Row {
    pub run: usize,
    pub depth: usize,
}

pub(crate) const DEFAULT_COLUMNS: &str = "metrics.* params.*";

pub(crate) struct Model {
    pub store: Store,
    pub read_only: bool,
    pub color: bool,
    pub symbols: Symbols,
    pub utc: bool,
    pub size: (u16, u16),
    pub experiments: Vec<Experiment>,
    pub counts: Vec<ExperimentRow>,
    pub exp_cursor: usize,
    /// Experiment ids the table shows; empty means all.
    pub scope: BTreeSet<String>,
    /// In the order they were read; `rows` says the order shown.
    pub runs: Vec<Entry>,
    /// Bumped whenever `runs` change (a run added or read again).
    pub runs_version: u64,
    /// What `columns` and `best` were computed from: the runs' version, the column patterns,
    /// only-changed, and the runs shown. A sort changes none of it, so it costs only the sort.
    derived_from: Option<(u64, String, bool, Vec<usize>)>,
    /// The run the cursor was on before the runs were read again, to put it back on.
    reselect: Option<Box<str>>,
    /// The names every entry's keys share.
    pub keys: Arc<Mutex<Interner>>,
    /// What the background load skipped, told once it is done.
    pub problems: Vec<Problem>,
    /// The background load, while it goes on: parts of the table's data as they are read.
    pub loader: Option<mpsc::Receiver<data::Loaded>>,
    /// Run folders read so far, of `total`.
    pub loaded: usize,
    pub total: usize,
    pub rows: Vec<Row>,
    pub cursor: usize,
    pub offset: usize,
    pub column_spec: String,
    /// The data columns after the fixed ones (name, status, start).
    pub columns: Vec<Field>,
    pub col_cursor: usize,
    pub sort: Option<OrderBy>,
    pub filter_text: String,
    pub filter: Option<Filter>,
    /// The last filter or column error, shown until the next try.
    pub error: Option<String>,
    pub show_deleted: bool,
    pub only_changed: bool,
    /// The best value of each metric column among the rows shown.
    pub best: HashMap<String, f64>,
    /// Marked run ids, in mark order.
    pub marked: Vec<String>,
    pub focus: Focus,
    pub view: View,
    pub overlay: Overlay,
    pub message: Option<String>,
    pub quit: bool,
    /// Text the terminal loop copies to the clipboard (OSC 52), then clears.
    pub copy: Option<String>,
    pub detail: Option<RunDetail>,
    pub detail_cursor: usize,
    pub charts: ChartState,
    pub plot: PlotState,
    pub compare: CompareState,
    pub registry: RegistryState,
    /// Where the view the user came from goes back to (Esc).
    pub back: Vec<View>,
    pub live: super::live::Live,
}

pub struct Options {
    pub experiments: Vec<String>,
    pub filter: Option<String>,
    pub read_only: bool,
    pub color: bool,
    pub utc: bool,
    /// Look for changes by polling, not by file notifications.
    pub poll: bool,
    /// How chart lines are drawn.
    pub symbols: Symbols,
}

impl Model {
    /// The first screen: the experiments, and the run folders listed (names only); the runs
    /// are read in the background and arrive as `Msg::Loaded`.
    pub fn new(store: Store, opts: &Options) -> anyhow::Result<Model> {
        let experiments = data::experiments(&store, &opts.experiments)?;
        let mut m = Model {
            store,
            read_only: opts.read_only,
            color: opts.color,
            symbols: opts.symbols,
            utc: opts.utc,
            size: (80, 24),
            counts: data::count(&experiments, &[]),
            experiments,
            exp_cursor: 0,
            scope: BTreeSet::new(),
            runs: Vec::new(),
            runs_version: 0,
            derived_from: None,
            reselect: None,
            keys: Default::default(),
            problems: Vec::new(),
            loader: None,
            loaded: 0,
            total: 0,
            rows: Vec::new(),
            cursor: 0,
            offset: 0,
            column_spec: DEFAULT_COLUMNS.into(),
            columns: Vec::new(),
            col_cursor: 0,
            sort: None,
            filter_text: String::new(),
            filter: None,
            error: None,
            show_deleted: false,
            only_changed: false,
            best: HashMap::new(),
            marked: Vec::new(),
            focus: Focus::Runs,
            view: View::Runs,
            overlay: Overlay::None,
            message: None,
            quit: false,
            copy: None,
            detail: None,
            detail_cursor: 0,
            charts: ChartState::default(),
            plot: PlotState::default(),
            compare: CompareState::default(),
            registry: RegistryState::default(),
            back: Vec::new(),
            live: super::live::Live::new(opts.poll),
        };
        if let Some(f) = &opts.filter {
            m.apply_filter(f.clone());
        }
        m.start_loading();
        m.refresh();
        Ok(m)
    }

    /// List the run folders and read them in the background, in parts.
    fn start_loading(&mut self) {
        // The experiment folders' times are taken before their listing: a run made while the
        // rest loads is found by the live refresh.
        self.live.note_experiments(&self.experiments);
        let (dirs, problems) = data::run_dirs(&self.store, &self.experiments);
        self.message = data::problem_line(&problems);
        self.problems = problems;
        self.loaded = 0;
        self.total = dirs.len();
        self.loader = (!dirs.is_empty()).then(|| data::spawn_load(dirs, self.keys.clone()));
    }

    pub fn loading(&self) -> bool {
        self.loader.is_some()
    }

    pub fn theme(&self) -> super::theme::Theme {
        super::theme::Theme { color: self.color }
    }

    /// Rows the runs table has room for.
    pub fn page(&self) -> usize {
        usize::from(self.size.1.saturating_sub(5)).max(1)
    }

    pub fn current(&self) -> Option<&Entry> {
        self.rows.get(self.cursor).map(|r| &self.runs[r.run])
    }

    /// The fixed columns, then the chosen ones.
    pub fn all_columns(&self) -> Vec<Field> {
        let mut out = vec![
            Field::Attr(Attr::RunName),
            Field::Attr(Attr::Status),
            Field::Attr(Attr::StartTime),
        ];
        out.extend(self.columns.iter().cloned());
        out
    }

    fn apply_filter(&mut self, text: String) -> bool {
        match Filter::parse(&text, Target::Runs, self.store.now_ms()) {
            Ok(f) => {
                self.filter = (!text.trim().is_empty()).then_some(f);
                self.filter_text = text;
                self.error = None;
                true
            }
            Err(e) => {
                self.error = Some(format!("mlrs: error: {e}"));
                false
            }
        }
    }

    fn apply_columns(&mut self, text: String) -> bool {
        let values: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
        match Columns::parse(&values) {
            Ok(_) => {
                self.column_spec = text;
                self.error = None;
                true
            }
            Err(e) => {
                self.error = Some(format!("mlrs: error: {e}"));
                false
            }
        }
    }

    /// Recompute rows, columns and best values after anything they depend on changed.
    pub fn refresh(&mut self) {
        let keep_id = self
            .current()
            .map(|r| Box::from(r.run_id()))
            .or_else(|| self.reselect.clone());
        let mut shown: Vec<usize> = (0..self.runs.len())
            .filter(|&i| {
                let r = &self.runs[i];
                (self.show_deleted || r.active)
                    && (self.scope.is_empty() || self.scope.contains(&*r.experiment_id))
                    && self.filter.as_ref().is_none_or(|f| f.matches(r))
            })
            .collect();
        let from = (
            self.runs_version,
            self.column_spec.clone(),
            self.only_changed,
            shown.clone(),
        );
        if self.derived_from.as_ref() != Some(&from) {
            self.columns = self.chosen_columns(&shown);
            self.best = best_values(&self.runs, &shown, &self.columns);
            self.derived_from = Some(from);
        }
        entry::sort(&self.runs, &mut shown, self.sort.as_ref());
        self.rows = nest(&self.runs, &shown);
        self.col_cursor = self.col_cursor.min(self.all_columns().len() - 1);
        let kept = keep_id.and_then(|id| {
            self.rows
                .iter()
                .position(|r| self.runs[r.run].run_id() == &*id)
        });
        if kept.is_some() {
            self.reselect = None;
        }
        self.cursor = kept.unwrap_or(self.cursor.min(self.rows.len().saturating_sub(1)));
        self.scroll_to_cursor();
    }

    fn chosen_columns(&self, shown: &[usize]) -> Vec<Field> {
        let values: Vec<String> = self
            .column_spec
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let Ok(columns) = Columns::parse(&values) else {
            return Vec::new();
        };
        let runs: Vec<&Entry> = shown.iter().map(|&i| &self.runs[i]).collect();
        // Runs with the same keys share one `Layout`: the runs are counted per layout, then
        // the layouts' keys. Both are counted by address, not hashed letter by letter.
        let mut layouts: HashMap<*const Layout, (&Layout, usize)> = HashMap::new();
        for r in &runs {
            let layout = r.layout();
            layouts
                .entry(std::ptr::from_ref(layout))
                .or_insert((layout, 0))
                .1 += 1;
        }
        let mut out = Vec::new();
        for kind in [Kind::Metric, Kind::Param, Kind::Tag] {
            // The keys most runs have come first: they are the ones worth the room.
            let mut counts: HashMap<*const u8, (&str, usize)> = HashMap::new();
            for (layout, n) in layouts.values() {
                let names = match kind {
                    Kind::Metric => &layout.metrics,
                    Kind::Param => &layout.params,
                    Kind::Tag => &layout.tags,
                };
                for k in names {
                    counts.entry(k.as_ptr()).or_insert((k, 0)).1 += n;
                }
            }
            // Patterns are matched once per key, not once per run and key.
            let mut keys: Vec<(&str, usize)> = counts
                .into_values()
                .filter(|(k, _)| columns.matches(kind, k))
                .collect();
            keys.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            let keys = keys.into_iter().map(|(k, _)| k);
            for key in keys {
                let field = kind.field(key);
                if !self.only_changed || differs(&runs, &field) {
                    out.push(field);
                }
            }
        }
        out
    }

    fn scroll_to_cursor(&mut self) {
        let page = self.page();
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + page {
            self.offset = self.cursor + 1 - page;
        }
        self.offset = self.offset.min(self.rows.len().saturating_sub(page));
    }

    fn move_cursor(&mut self, delta: isize) {
        match self.focus {
            Focus::Runs => {
                let last = self.rows.len().saturating_sub(1);
                self.cursor = self.cursor.saturating_add_signed(delta).min(last);
                self.scroll_to_cursor();
            }
            Focus::Experiments => {
                let last = self.experiments.len().saturating_sub(1);
                self.exp_cursor = self.exp_cursor.saturating_add_signed(delta).min(last);
            }
        }
    }

    fn toggle_mark(&mut self) {
        if let Some(id) = self.current().map(|r| r.run_id().to_owned()) {
            if let Some(i) = self.marked.iter().position(|m| *m == id) {
                self.marked.remove(i);
            } else {
                self.marked.push(id);
            }
            self.move_cursor(1);
        }
    }

    /// The marked runs, else the run under the cursor.
    pub fn chosen_runs(&self) -> Vec<&Entry> {
        if self.marked.is_empty() {
            return self.current().into_iter().collect();
        }
        // One pass over the runs looking each up among the few marked, not a map of them all.
        let wanted: std::collections::HashSet<&str> =
            self.marked.iter().map(String::as_str).collect();
        let found: HashMap<&str, &Entry> = self
            .runs
            .iter()
            .filter(|r| wanted.contains(r.run_id()))
            .map(|r| (r.run_id(), r))
            .collect();
        self.marked
            .iter()
            .filter_map(|id| found.get(id.as_str()).copied())
            .collect()
    }

    fn sort_by_cursor(&mut self) {
        let field = self.all_columns()[self.col_cursor].clone();
        let ascending = match &self.sort {
            Some(o) if o.field == field => !o.ascending,
            // Numbers start with the largest, names with A.
            _ => !field.is_numeric(),
        };
        self.message = Some(format!(
            "sorted by {} {}",
            field.label(),
            if ascending { "ASC" } else { "DESC" }
        ));
        self.sort = Some(OrderBy { field, ascending });
        self.refresh();
    }

    pub fn open_detail(&mut self, run_id: &str) {
        match data::run_detail(&self.store, run_id) {
            Ok(d) => {
                self.detail = Some(d);
                self.detail_cursor = 0;
                self.go(View::Detail);
            }
            Err(e) => self.message = Some(format!("mlrs: error: {e:#}")),
        }
    }

    pub fn go(&mut self, view: View) {
        let from = std::mem::replace(&mut self.view, view);
        self.back.push(from);
    }

    fn go_back(&mut self) {
        self.view = self.back.pop().unwrap_or(View::Runs);
    }

    /// Read everything again (`r`), in the background as at the start; marks stay.
    pub fn reload(&mut self) {
        match data::experiments(&self.store, &[]) {
            Ok(all) => {
                self.experiments = all
                    .into_iter()
                    .filter(|e| self.experiments.iter().any(|o| o.id == e.id))
                    .collect();
                self.forget_rows();
                self.runs.clear();
                self.runs_version += 1;
                self.start_loading();
                self.counts = data::count(&self.experiments, &self.runs);
                self.refresh();
            }
            Err(e) => self.message = Some(format!("mlrs: error: {e:#}")),
        }
    }

    /// Read one run again (after a change to it), or every run when it is not in the table.
    pub fn reload_run(&mut self, run_id: &str) {
        let Some(i) = self.runs.iter().position(|r| r.run_id() == run_id) else {
            return self.reload();
        };
        let loaded = data::load(&[self.runs[i].dir()], &self.keys);
        match loaded.entries.into_iter().next() {
            Some(entry) => self.runs[i] = entry,
            None => {
                self.forget_rows();
                self.runs.remove(i);
            }
        }
        self.runs_version += 1;
        self.counts = data::count(&self.experiments, &self.runs);
        self.refresh();
    }

    /// Before runs leave `runs`: the rows point into it. The cursor's run is remembered.
    fn forget_rows(&mut self) {
        if let Some(r) = self.current() {
            self.reselect = Some(r.run_id().into());
        }
        self.rows.clear();
    }

    /// Take a part of the background load into the table.
    fn take_loaded(&mut self, loaded: data::Loaded) {
        self.loaded += loaded.dirs;
        if self.loaded >= self.total {
            self.loader = None;
        }
        // The live refresh waits for the load to end: no run arrives twice.
        self.runs.extend(loaded.entries);
        self.runs_version += 1;
        self.problems.extend(loaded.problems);
        self.counts = data::count(&self.experiments, &self.runs);
        if !self.loading()
            && let Some(line) = data::problem_line(&self.problems)
        {
            self.message = Some(line);
        }
        self.refresh();
    }

    pub(crate) fn ask(&mut self, action: Action) {
        if self.read_only {
            self.message = Some("read-only: changes are off (started with --read-only)".into());
        } else {
            self.overlay = Overlay::Confirm(action);
        }
    }

    fn input(&mut self, kind: Input, initial: String) {
        let changes = !matches!(
            kind,
            Input::Filter | Input::Columns | Input::Scatter | Input::Parallel
        );
        if self.read_only && changes {
            self.message = Some("read-only: changes are off (started with --read-only)".into());
        } else {
            self.overlay = Overlay::Input(kind, initial);
        }
    }

    /// Act on a submitted input; `false` keeps the input open for fixing (the error shows).
    fn submit(&mut self, kind: Input, text: String) -> bool {
        let run = self.current().map(|r| r.run_id().to_owned());
        let action = match kind {
            Input::Filter => {
                let ok = self.apply_filter(text);
                if ok {
                    self.refresh();
                }
                return ok;
            }
            Input::Columns => {
                let ok = self.apply_columns(text);
                if ok {
                    self.col_cursor = 0;
                    self.refresh();
                }
                return ok;
            }
            Input::SetTag => {
                let Some((k, v)) = text.split_once('=') else {
                    self.error = Some("mlrs: error: expected KEY=VALUE".into());
                    return false;
                };
                run.map(|run| Action::SetTag {
                    run,
                    key: k.trim().to_owned(),
                    value: v.to_owned(),
                })
            }
            Input::DeleteTag => run.map(|run| Action::DeleteTag {
                run,
                key: text.trim().to_owned(),
            }),
            Input::Rename => run.map(|run| Action::RenameRun { run, name: text }),
            Input::Scatter | Input::Parallel => {
                let ok = super::plot::open(self, kind == Input::Scatter, &text);
                if ok {
                    self.go(View::Plot);
                }
                return ok;
            }
            Input::Stage => {
                self.registry
                    .selected_version()
                    .map(|(model, version)| Action::Transition {
                        model,
                        version,
                        stage: text,
                    })
            }
            Input::Alias => {
                self.registry
                    .selected_version()
                    .map(|(model, version)| Action::SetAlias {
                        model,
                        alias: text,
                        version,
                    })
            }
        };
        if let Some(action) = action {
            self.overlay = Overlay::Confirm(action);
        }
        true
    }
}

/// Whether the runs disagree on a field.
fn differs(runs: &[&Entry], field: &Field) -> bool {
    let text = |r: &Entry| match field.value(r) {
        crate::query::Value::Missing => None,
        crate::query::Value::Float(f) => Some(f.to_bits().to_string()),
        crate::query::Value::Int(i) => Some(i.to_string()),
        crate::query::Value::Text(t) => Some(t.to_owned()),
    };
    let mut values = runs.iter().map(|r| text(r));
    let first = values.next();
    values.any(|v| Some(v) != first)
}

/// The best value of each metric column among the rows shown, by the rule `compare` uses
/// (none when every run has the same value).
fn best_values(runs: &[Entry], shown: &[usize], columns: &[Field]) -> HashMap<String, f64> {
    let directions = Directions::default();
    let mut out = HashMap::new();
    for field in columns {
        let Field::Metric(key) = field else { continue };
        let values: Vec<Option<f64>> = shown.iter().map(|&i| runs[i].metric(key)).collect();
        if let Some(&i) = best_all(&values, directions.of(key)).first()
            && let Some(best) = runs[shown[i]].metric(key)
        {
            out.insert(key.clone(), best);
        }
    }
    out
}

/// Runs in their order, each child right under its parent when the parent is shown too.
fn nest(runs: &[Entry], shown: &[usize]) -> Vec<Row> {
    // Most stores have no nested runs: then the order is the rows.
    if !shown.iter().any(|&i| runs[i].child) {
        return shown.iter().map(|&run| Row { run, depth: 0 }).collect();
    }
    let index: HashMap<&str, usize> = shown.iter().map(|&i| (runs[i].run_id(), i)).collect();
    let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut roots = Vec::new();
    for &i in shown {
        let parent = runs[i]
            .parent()
            .and_then(|p| index.get(p))
            .filter(|&&p| p != i);
        match parent {
            Some(&p) => children.entry(p).or_default().push(i),
            None => roots.push(i),
        }
    }
    let mut out = Vec::with_capacity(shown.len());
    let mut seen = vec![false; runs.len()];
    let mut stack: Vec<(usize, usize)> = roots.iter().rev().map(|&i| (i, 0)).collect();
    while let Some((i, depth)) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        out.push(Row { run: i, depth });
        if let Some(kids) = children.get(&i) {
            stack.extend(kids.iter().rev().map(|&k| (k, depth + 1)));
        }
    }
    // Runs in a parent cycle have no root; they are shown flat rather than lost.
    for &i in shown {
        if !seen[i] {
            out.push(Row { run: i, depth: 0 });
        }
    }
    out
}

/// The next state; answers whether the screen changed.
pub(crate) fn update(m: &mut Model, msg: Msg) -> bool {
    match msg {
        Msg::Resize(w, h) => {
            m.size = (w, h);
            m.scroll_to_cursor();
        }
        Msg::Loaded(loaded) => m.take_loaded(loaded),
        Msg::Tick => return super::live::tick(m),
        Msg::Mouse(ev) => return mouse(m, ev),
        Msg::Key(key) => keypress(m, key),
    }
    true
}

/// Rows of the screen above the runs table's first row: title, border, header.
const TABLE_TOP: u16 = 3;

fn mouse(m: &mut Model, ev: MouseEvent) -> bool {
    match (&m.view, ev.kind) {
        (View::Charts, MouseEventKind::ScrollUp) => m.charts.zoom(0.8),
        (View::Charts, MouseEventKind::ScrollDown) => m.charts.zoom(1.25),
        (_, MouseEventKind::ScrollUp) => scroll(m, -3),
        (_, MouseEventKind::ScrollDown) => scroll(m, 3),
        (View::Runs, MouseEventKind::Down(MouseButton::Left)) => click(m, ev.column, ev.row),
        _ => return false,
    }
    true
}

/// A click on a row selects it; a click on the row already selected opens it. In the
/// experiments pane it selects the experiment.
fn click(m: &mut Model, column: u16, row: u16) {
    let pane = super::view::pane_width(m, m.size.0);
    if column < pane {
        if let Some(i) = (row as usize).checked_sub(2) {
            m.focus = Focus::Experiments;
            m.exp_cursor = i.min(m.experiments.len().saturating_sub(1));
        }
        return;
    }
    let Some(i) = row
        .checked_sub(TABLE_TOP)
        .map(|r| m.offset + usize::from(r))
    else {
        return;
    };
    if i >= m.rows.len().min(m.offset + m.page()) {
        return;
    }
    if m.focus == Focus::Runs && i == m.cursor {
        if let Some(id) = m.current().map(|r| r.run_id().to_owned()) {
            m.open_detail(&id);
        }
    } else {
        m.focus = Focus::Runs;
        m.cursor = i;
    }
}

fn scroll(m: &mut Model, delta: isize) {
    match &mut m.view {
        View::Runs => m.move_cursor(delta),
        View::Detail => {
            m.detail_cursor = m.detail_cursor.saturating_add_signed(delta);
        }
        View::Viewer(_, lines, top) => {
            *top = top
                .saturating_add_signed(delta)
                .min(lines.len().saturating_sub(1));
        }
        View::Registry => m.registry.move_cursor(delta),
        View::Compare => m.compare.scroll(delta),
        View::Charts | View::Plot => {}
    }
}

fn keypress(m: &mut Model, key: KeyEvent) {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        m.quit = true;
        return;
    }
    match std::mem::replace(&mut m.overlay, Overlay::None) {
        Overlay::None => {}
        Overlay::Help => return, // any key closes help
        Overlay::Confirm(action) => {
            if matches!(key.code, KeyCode::Char('y') | KeyCode::Enter) {
                let result = data::apply(&m.store, &action);
                if let Some(id) = action.run() {
                    m.reload_run(id);
                }
                if m.view == View::Registry {
                    m.registry.load(&m.store);
                }
                if m.view == View::Detail
                    && let Some(id) = m.detail.as_ref().map(|d| d.run.info.run_id.clone())
                    && let Ok(d) = data::run_detail(&m.store, &id)
                {
                    m.detail = Some(d);
                }
                m.message = Some(match result {
                    Ok(line) => line,
                    Err(e) => format!("mlrs: error: {e:#}"),
                });
            } else {
                m.message = Some("cancelled".into());
            }
            return;
        }
        Overlay::Input(kind, mut text) => {
            match key.code {
                KeyCode::Esc => m.error = None,
                KeyCode::Enter => {
                    if !m.submit(kind, text.clone()) {
                        m.overlay = Overlay::Input(kind, text);
                    }
                }
                KeyCode::Backspace => {
                    text.pop();
                    m.overlay = Overlay::Input(kind, text);
                }
                KeyCode::Char('u') if ctrl => m.overlay = Overlay::Input(kind, String::new()),
                KeyCode::Char(c) => {
                    text.push(c);
                    m.overlay = Overlay::Input(kind, text);
                }
                _ => m.overlay = Overlay::Input(kind, text),
            }
            return;
        }
    }
    // Keys every view shares.
    match key.code {
        KeyCode::Char('q') => {
            m.quit = true;
            return;
        }
        KeyCode::Char('?') => {
            m.overlay = Overlay::Help;
            return;
        }
        KeyCode::Esc | KeyCode::Backspace if m.view != View::Runs => {
            m.go_back();
            return;
        }
        _ => {}
    }
    match m.view.clone() {
        View::Runs => runs_key(m, key),
        View::Detail => super::detail::key(m, key),
        View::Viewer(..) => viewer_key(m, key),
        View::Charts => super::charts::key(m, key),
        View::Plot => {}
        View::Compare => super::compare::key(m, key),
        View::Registry => super::registry::key(m, key),
    }
}

/// Up/down movement shared by lists: the step, or `None` for other keys.
pub(crate) fn motion(key: &KeyEvent, page: usize) -> Option<isize> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let page = page as isize;
    Some(match key.code {
        KeyCode::Char('j') | KeyCode::Down => 1,
        KeyCode::Char('k') | KeyCode::Up => -1,
        KeyCode::Char('d') if ctrl => page / 2,
        KeyCode::Char('u') if ctrl => -page / 2,
        KeyCode::Char('f') if ctrl => page,
        KeyCode::Char('b') if ctrl => -page,
        KeyCode::PageDown => page,
        KeyCode::PageUp => -page,
        KeyCode::Char('g') | KeyCode::Home => isize::MIN / 2,
        KeyCode::Char('G') | KeyCode::End => isize::MAX / 2,
        _ => return None,
    })
}

fn runs_key(m: &mut Model, key: KeyEvent) {
    if let Some(step) = motion(&key, m.page()) {
        m.move_cursor(step);
        return;
    }
    m.message = None;
    let run = m.current().map(|r| (r.run_id().to_owned(), r.active));
    match key.code {
        KeyCode::Tab => {
            m.focus = match m.focus {
                Focus::Runs => Focus::Experiments,
                Focus::Experiments => Focus::Runs,
            }
        }
        KeyCode::Char(' ') | KeyCode::Enter if m.focus == Focus::Experiments => {
            if let Some(e) = m.experiments.get(m.exp_cursor) {
                let id = e.id.clone();
                if !m.scope.remove(&id) {
                    m.scope.insert(id);
                }
                m.refresh();
            }
        }
        KeyCode::Char('h') | KeyCode::Left => m.col_cursor = m.col_cursor.saturating_sub(1),
        KeyCode::Char('l') | KeyCode::Right => {
            m.col_cursor = (m.col_cursor + 1).min(m.all_columns().len() - 1)
        }
        KeyCode::Char('s') => m.sort_by_cursor(),
        KeyCode::Char('S') => {
            m.sort = None;
            m.message = Some("default order: start_time DESC".into());
            m.refresh();
        }
        KeyCode::Char('/') => m.input(Input::Filter, m.filter_text.clone()),
        KeyCode::Char('c') => m.input(Input::Columns, m.column_spec.clone()),
        KeyCode::Char('o') => {
            m.only_changed = !m.only_changed;
            m.refresh();
        }
        KeyCode::Char('D') => {
            m.show_deleted = !m.show_deleted;
            m.refresh();
        }
        KeyCode::Char(' ') => m.toggle_mark(),
        KeyCode::Char('u') => {
            m.marked.clear();
            m.message = Some("no run marked".into());
        }
        KeyCode::Char('r') => m.reload(),
        KeyCode::Enter => {
            if let Some((id, _)) = run {
                m.open_detail(&id);
            }
        }
        KeyCode::Char('C') => {
            if m.chosen_runs().len() < 2 {
                m.message = Some("mark two or more runs with space to compare them".into());
            } else {
                super::compare::open(m);
                m.go(View::Compare);
            }
        }
        KeyCode::Char('v') => {
            let runs: Vec<_> = m.chosen_runs().iter().map(|r| r.info()).collect();
            m.charts.open(&runs);
            m.go(View::Charts);
        }
        KeyCode::Char('R') => {
            m.registry.load(&m.store);
            m.go(View::Registry);
        }
        KeyCode::Char('y') => {
            if let Some((id, _)) = run {
                m.message = Some(format!("copied {id}"));
                m.copy = Some(id);
            }
        }
        KeyCode::Char('x') => match run {
            Some((id, true)) => m.ask(Action::DeleteRun(id)),
            Some((id, false)) => m.ask(Action::RestoreRun(id)),
            None => {}
        },
        KeyCode::Char('t') if run.is_some() => m.input(Input::SetTag, String::new()),
        KeyCode::Char('T') if run.is_some() => m.input(Input::DeleteTag, String::new()),
        KeyCode::Char('X') => {
            let initial = super::plot::scatter_guess(m);
            m.input(Input::Scatter, initial);
        }
        KeyCode::Char('P') => {
            let initial = super::plot::parallel_guess(m);
            m.input(Input::Parallel, initial);
        }
        KeyCode::Char('n') if run.is_some() => {
            let name = m
                .current()
                .map(|r| r.run_name().to_owned())
                .unwrap_or_default();
            m.input(Input::Rename, name);
        }
        _ => {}
    }
}

fn viewer_key(m: &mut Model, key: KeyEvent) {
    let page = m.page();
    if let (Some(step), View::Viewer(_, lines, top)) = (motion(&key, page), &mut m.view) {
        *top = top
            .saturating_add_signed(step)
            .min(lines.len().saturating_sub(1));
    }
}
