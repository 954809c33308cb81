//! The `?` overlay: every key, by view. Draws only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::model::Model;

/// Every key; also the README's key list.
pub(crate) const KEYS: &[(&str, &[(&str, &str)])] = &[
    (
        "Everywhere",
        &[
            ("q, Ctrl-C", "quit"),
            ("?", "this help"),
            ("Esc", "back"),
            ("j/k, ↓/↑", "move (g/G first/last, Ctrl-d/u half page)"),
        ],
    ),
    (
        "Runs",
        &[
            ("Tab", "switch experiments pane / runs table"),
            ("␣ (pane)", "show or hide an experiment's runs"),
            ("h/l, ←/→", "choose a column"),
            ("s / S", "sort by it (again: reverse) / default order"),
            ("/", "filter (MLflow syntax, plus OR, NOT, ( ))"),
            ("c", "columns: metrics.* params.lr* tags.x"),
            ("o", "only columns whose values differ"),
            ("D", "show deleted runs"),
            ("␣", "mark a run"),
            ("⏎", "run detail"),
            ("v / C", "chart / compare marked runs"),
            ("R", "model registry"),
            ("x", "delete or restore the run"),
            ("t / n", "set a tag / rename the run"),
            ("y", "copy the run id (OSC 52)"),
            ("r", "reload"),
        ],
    ),
    (
        "Detail",
        &[("⏎", "open a text artifact or a model version's run")],
    ),
    (
        "Charts",
        &[
            ("l / m / x", "log-y / smoothing / x: step, time, relative"),
            ("+/-, wheel", "zoom x; ←/→ pan; 0 reset"),
            (",/.", "move the cursor (values read off the lines)"),
            ("p", "pin the first run on top"),
            ("n / N", "next / previous page of charts"),
        ],
    ),
    (
        "Registry",
        &[
            ("⏎", "open the version's source run"),
            ("t / a", "move to a stage / point an alias at it"),
        ],
    ),
];

pub(crate) fn render(m: &Model, f: &mut Frame, area: Rect) {
    let theme = m.theme();
    let mut lines = Vec::new();
    for (section, keys) in KEYS {
        lines.push(Line::from(Span::styled(*section, theme.header())));
        for (k, what) in *keys {
            lines.push(Line::from(vec![
                Span::styled(format!("  {k:<12}"), theme.key()),
                Span::raw(*what),
            ]));
        }
    }
    let popup = super::centered(area, 64, lines.len() as u16 + 2);
    f.render_widget(Clear, popup);
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" Keys (any key closes) ")),
        popup,
    );
}
