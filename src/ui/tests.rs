//! Unit snapshots of each view over the fixture stores, drawn on a `TestBackend` at 80×24
//! without colour (the smallest screen the UI promises to be usable on).
//! `SNAPSHOTS=overwrite cargo test --lib ui::` regenerates them.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use snapbox::{assert_data_eq, file};

use super::data;
use super::model::{Model, Msg, Options, View, update};
use crate::render::chart::Symbols;
use crate::store::Store;

const NOW_MS: i64 = 1_795_500_000_000;

fn fixture_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/mlflow-3.17.2/mlruns")
}

fn model_with(read_only: bool) -> Model {
    let store = Store::open(&fixture_root()).unwrap().with_now(Some(NOW_MS));
    let mut m = Model::new(
        store,
        &Options {
            experiments: Vec::new(),
            filter: None,
            read_only,
            color: false,
            utc: true,
            poll: true,
            symbols: Symbols::Braille,
        },
    )
    .unwrap();
    finish_loading(&mut m);
    update(&mut m, Msg::Resize(80, 24));
    m
}

fn model() -> Model {
    model_with(false)
}

/// Wait for the background load `Model::new` or a reload started.
fn finish_loading(m: &mut Model) {
    let parts = m.loader.take().unwrap();
    let all = parts.iter().fold(data::Loaded::default(), |mut all, part| {
        all.entries.extend(part.entries);
        all.problems.extend(part.problems);
        all.dirs += part.dirs;
        all
    });
    update(m, Msg::Loaded(all));
}

/// Type keys: characters as they are, `\n` Enter, `\x1b` Esc, `\t` Tab, `\x15` Ctrl-U
/// (clears an input).
fn keys(m: &mut Model, text: &str) {
    for ch in text.chars() {
        let code = match ch {
            '\n' => KeyCode::Enter,
            '\x1b' => KeyCode::Esc,
            '\t' => KeyCode::Tab,
            '\x15' => {
                update(
                    m,
                    Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
                );
                continue;
            }
            c => KeyCode::Char(c),
        };
        update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }
}

fn screen(m: &Model) -> String {
    let mut terminal = Terminal::new(TestBackend::new(m.size.0, m.size.1)).unwrap();
    terminal.draw(|f| super::view::view(m, f)).unwrap();
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut line = String::new();
        for x in 0..buffer.area.width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    redact_root(&out)
}

/// The fixture store's root as `[ROOT]`, both the clone's own folder and the one the store
/// records (where it was written): they are the same in one checkout only, so a snapshot that
/// kept either would pass in one place and fail everywhere else.
fn redact_root(screen: &str) -> String {
    const TAIL: &str = "/fixtures/mlflow-3.17.2/mlruns";
    let mut out = String::new();
    let mut rest = screen;
    while let Some(end) = rest.find(TAIL) {
        let word = rest[..end].rfind([' ', '│']).map_or(0, |i| {
            i + rest[i..].chars().next().map_or(1, char::len_utf8)
        });
        let start = word + rest[word..end].strip_prefix("file://").map_or(0, |_| 7);
        out.push_str(&rest[..start]);
        out.push_str("[ROOT]");
        rest = &rest[end + TAIL.len()..];
    }
    out.push_str(rest);
    out
}

#[test]
fn runs_table_nests_children_and_marks_the_best_value() {
    let m = model();
    assert_data_eq!(screen(&m), file!["snapshots/runs.txt"]);
}

#[test]
fn a_filter_typo_shows_the_cli_caret_error_and_keeps_the_table() {
    let mut m = model();
    keys(&mut m, "/metrics.rmse << 6\n");
    assert_data_eq!(screen(&m), file!["snapshots/filter_error.txt"]);
    // Fixing it applies it.
    keys(&mut m, "\x15metrics.rmse < 6\n");
    assert!(m.error.is_none());
    assert_eq!(m.rows.len(), 8);
}

#[test]
fn sort_by_a_chosen_column_cycles_direction() {
    let mut m = model();
    keys(&mut m, "c\x15metrics.rmse params.max_depth\n");
    keys(&mut m, "llls");
    assert_data_eq!(screen(&m), file!["snapshots/sorted.txt"]);
    let first = m.current_first_name();
    keys(&mut m, "s");
    assert_ne!(m.current_first_name(), first);
}

#[test]
fn reload_reads_the_runs_again_in_the_background_and_keeps_the_marks() {
    let mut m = model();
    let runs = m.rows.len();
    keys(&mut m, "  ");
    let on = m.current().unwrap().run_id().to_owned();
    keys(&mut m, "r");
    assert!(m.loading());
    assert!(screen(&m).contains(&format!("loading 0/{}", m.total)));
    finish_loading(&mut m);
    assert!(!m.loading());
    assert_eq!(m.rows.len(), runs);
    assert_eq!(m.chosen_runs().len(), 2);
    assert_eq!(
        m.current().unwrap().run_id(),
        on,
        "the cursor stays on its run"
    );
}

#[test]
fn a_bad_column_pattern_is_an_error() {
    let mut m = model();
    keys(&mut m, "c\x15rmse\n");
    assert!(m.error.as_deref().unwrap().contains("bad --columns"));
}

#[test]
fn only_changed_hides_equal_columns() {
    let mut m = model();
    keys(&mut m, "/tags.mlflow.runName LIKE 'xgb-lr%'\n");
    keys(&mut m, "c\x15params.*\n");
    let all = m.columns.len();
    keys(&mut m, "o");
    assert!(m.columns.len() < all);
    assert_data_eq!(screen(&m), file!["snapshots/only_changed.txt"]);
}

#[test]
fn deleted_runs_show_on_demand() {
    let mut m = model();
    let active = m.rows.len();
    keys(&mut m, "D");
    assert!(m.rows.len() > active);
}

#[test]
fn run_detail() {
    let mut m = model();
    keys(&mut m, "/attributes.run_name = 'xgb-long'\n\n");
    assert_eq!(m.view, View::Detail);
    assert_data_eq!(screen(&m), file!["snapshots/detail.txt"]);
}

#[test]
fn compare_marked_runs() {
    let mut m = model();
    keys(&mut m, "/tags.mlflow.runName LIKE 'xgb-lr%'\n   C");
    assert_data_eq!(screen(&m), file!["snapshots/compare.txt"]);
}

#[test]
fn charts_of_marked_runs() {
    let mut m = model();
    keys(&mut m, "/tags.mlflow.runName LIKE 'xgb-lr%'\n  v");
    assert_data_eq!(screen(&m), file!["snapshots/charts.txt"]);
    keys(&mut m, "lm+.");
    assert!(m.charts.log_y && m.charts.smooth > 0.0 && m.charts.cursor.is_some());
    // Lines are drawn in the cells `--symbols` (or MLRS_SYMBOLS) chose.
    m.symbols = Symbols::Block;
    let blocks = screen(&m);
    let braille = |c: char| ('\u{2801}'..='\u{28FF}').contains(&c);
    assert!(
        blocks.contains(&['▘', '▝', '▖', '▗', '▚', '▞'][..]) && !blocks.chars().any(braille),
        "{blocks}"
    );
}

#[test]
fn registry_and_jump_to_the_source_run() {
    let mut m = model();
    keys(&mut m, "R");
    assert_data_eq!(screen(&m), file!["snapshots/registry.txt"]);
    keys(&mut m, "j\n");
    assert_eq!(m.view, View::Detail);
}

#[test]
fn help_fits_80x24() {
    let mut m = model();
    keys(&mut m, "?");
    assert_data_eq!(screen(&m), file!["snapshots/help.txt"]);
}

#[test]
fn read_only_refuses_changes() {
    let mut m = model_with(true);
    keys(&mut m, "x");
    assert!(m.message.as_deref().unwrap().starts_with("read-only"));
    assert_eq!(m.overlay, super::model::Overlay::None);
}

impl Model {
    fn current_first_name(&self) -> String {
        self.runs[self.rows[0].run].run_name().to_owned()
    }
}

#[test]
fn base64_matches_the_rfc() {
    assert_eq!(super::base64(b"foobar"), "Zm9vYmFy");
    assert_eq!(super::base64(b"fooba"), "Zm9vYmE=");
    assert_eq!(super::base64(b"f"), "Zg==");
}

#[test]
fn detail_artifacts_open_in_the_viewer_and_versions_are_listed() {
    let mut m = model();
    keys(&mut m, "/attributes.run_name = 'tip-rf-d4'\n\nG");
    assert_data_eq!(screen(&m), file!["snapshots/detail_end.txt"]);
    let d = m.detail.as_ref().unwrap();
    let readme = super::detail::items(d, true)
        .iter()
        .position(|i| {
            matches!(i, super::detail::Item::Artifact(a) if d.artifacts[*a].path.ends_with("README.txt"))
        })
        .unwrap();
    m.detail_cursor = readme;
    keys(&mut m, "\n");
    assert!(matches!(m.view, View::Viewer(..)));
    assert_data_eq!(screen(&m), file!["snapshots/viewer.txt"]);
    keys(&mut m, "\x1b");
    assert_eq!(m.view, View::Detail);
}

#[test]
fn compare_keeps_only_the_rows_that_differ() {
    let mut m = model();
    keys(&mut m, "/tags.mlflow.runName LIKE 'xgb-lr%'\n   Co");
    assert_data_eq!(screen(&m), file!["snapshots/compare_only_changed.txt"]);
    let rows = &m.compare.result.as_ref().unwrap().rows;
    assert!(rows.iter().all(|r| r.changed || r.key == "run_id"));
}

#[test]
fn scatter_of_a_param_against_a_metric_over_the_table() {
    let mut m = model();
    keys(&mut m, "/tags.mlflow.runName LIKE 'xgb-lr%'\nX");
    // The input starts from the table's first param and metric columns.
    assert_eq!(
        m.overlay,
        super::model::Overlay::Input(
            super::model::Input::Scatter,
            "params.learning_rate metrics.r2".into()
        )
    );
    keys(&mut m, "\x15params.learning_rate metrics.rmse\n");
    assert_eq!(m.view, View::Plot);
    assert_data_eq!(screen(&m), file!["snapshots/scatter.txt"]);
}

#[test]
fn parallel_coordinates_of_marked_runs() {
    let mut m = model();
    keys(
        &mut m,
        "/attributes.run_name LIKE 'hpo-trial%'\n   P\x15params.* metrics.rmse\n",
    );
    assert_eq!(m.view, View::Plot);
    assert_data_eq!(screen(&m), file!["snapshots/parallel.txt"]);
}

#[test]
fn a_plot_of_a_key_no_run_has_is_an_error() {
    let mut m = model();
    keys(&mut m, "X\x15params.nope metrics.rmse\n");
    assert_eq!(m.view, View::Runs);
    assert!(
        m.error
            .as_deref()
            .unwrap()
            .contains("no run shown has params.nope"),
        "{:?}",
        m.error
    );
}

#[test]
fn mouse_click_selects_a_row_and_a_second_click_opens_it() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut m = model();
    let click = |row| {
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 20,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    // Title, border and header come first: screen row 5 is the third run.
    update(&mut m, click(5));
    assert_eq!(m.cursor, 2);
    assert_eq!(m.view, View::Runs);
    update(&mut m, click(5));
    assert_eq!(m.view, View::Detail);
    assert_eq!(
        m.detail.as_ref().unwrap().run.info.run_name,
        m.runs[m.rows[2].run].run_name()
    );
}

#[test]
fn mouse_wheel_zooms_charts() {
    use crossterm::event::{MouseEvent, MouseEventKind};
    let mut m = model();
    keys(&mut m, "/tags.mlflow.runName LIKE 'xgb-lr%'\n  v");
    let wheel = |kind| {
        Msg::Mouse(MouseEvent {
            kind,
            column: 30,
            row: 10,
            modifiers: KeyModifiers::NONE,
        })
    };
    update(&mut m, wheel(MouseEventKind::ScrollUp));
    let (lo, hi) = m.charts.window;
    assert!(hi - lo < 1.0);
    update(&mut m, wheel(MouseEventKind::ScrollDown));
    update(&mut m, wheel(MouseEventKind::ScrollDown));
    assert_eq!(m.charts.window, (0.0, 1.0));
}

#[test]
fn d_on_a_tag_of_the_detail_asks_to_delete_it() {
    let mut m = model();
    keys(&mut m, "/attributes.run_name = 'xgb-long'\n\n");
    let d = m.detail.as_ref().unwrap();
    let (at, key) = super::detail::items(d, true)
        .iter()
        .enumerate()
        .find_map(|(i, item)| match item {
            super::detail::Item::Tag(k, _) => Some((i, k.clone())),
            _ => None,
        })
        .unwrap();
    m.detail_cursor = at;
    keys(&mut m, "d");
    assert_eq!(
        m.overlay,
        super::model::Overlay::Confirm(data::Action::DeleteTag {
            run: m.detail.as_ref().unwrap().run.info.run_id.clone(),
            key,
        })
    );
    // Anything but y cancels.
    keys(&mut m, "n");
    assert_eq!(m.message.as_deref(), Some("cancelled"));
}

#[test]
fn experiments_pane_counts_active_and_deleted_runs_and_scopes_the_table() {
    let mut m = model();
    keys(&mut m, "\t");
    assert_data_eq!(screen(&m), file!["snapshots/experiments.txt"]);
    let all = m.rows.len();
    keys(&mut m, " ");
    assert!(m.rows.len() < all);
    assert!(
        m.rows
            .iter()
            .all(|r| *m.runs[r.run].experiment_id == *m.experiments[0].id)
    );
}

#[test]
fn long_numbers_are_rounded_to_fit_their_column_never_cut() {
    let mut m = model();
    let runs = [
        (
            "0123456789abcdef0123456789abcdef",
            18.158912345678,
            123456789012.75,
        ),
        ("fedcba9876543210fedcba9876543210", 20.5, 0.1),
    ];
    for (i, (id, rmse, big)) in runs.into_iter().enumerate() {
        let mut run = crate::query::testing::run(id, NOW_MS - i as i64);
        run.info.run_name = format!("long-numbers-{i}");
        run.data.metrics = [
            ("rmse".into(), rmse),
            ("small".into(), -0.000987654321),
            ("big".into(), big),
        ]
        .into();
        let entry = super::entry::Entry::new(run, false, &mut m.keys.lock().unwrap());
        m.runs.push(entry);
    }
    m.runs_version += 1;
    // The best rmse's `*` takes a column of its number's room too.
    keys(
        &mut m,
        "/attributes.run_name LIKE 'long-numbers%'\nc\x15metrics.rmse metrics.small metrics.big\n",
    );
    assert_data_eq!(screen(&m), file!["snapshots/long_numbers.txt"]);
}
