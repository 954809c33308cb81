//! The `?` overlay: every key, by view. Draws only.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
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
            ("j/k, ↓/↑", "move; g/G ends; Ctrl-d/u"),
        ],
    ),
    (
        "Runs",
        &[
            ("Tab", "experiments pane ↔ runs"),
            ("␣ (pane)", "scope to experiments"),
            ("h/l, ←/→", "choose a column"),
            ("s / S", "sort (again: reverse) / unsort"),
            ("/", "filter (mlrs search syntax)"),
            ("c", "columns: metrics.* params.lr*"),
            ("o", "only columns that differ"),
            ("D", "show deleted runs"),
            ("␣ / u", "mark a run / unmark all"),
            ("⏎", "run detail"),
            ("v / C", "chart / compare marked"),
            ("X / P", "scatter / parallel coords"),
            ("R", "model registry"),
            ("x", "delete / restore the run"),
            ("t / T / n", "set / delete a tag; rename"),
            ("click", "select; again: open"),
            ("y", "copy run id (OSC 52)"),
            ("r", "reload"),
        ],
    ),
    (
        "Detail",
        &[("⏎", "open artifact / version"), ("d", "delete the tag")],
    ),
    ("Compare", &[("o", "only rows that differ")]),
    (
        "Charts",
        &[
            ("l / m / x", "log-y / smooth / x axis"),
            ("+/- wheel", "zoom; ←/→ pan; 0 reset"),
            (",/.", "cursor with values"),
            ("p", "pin a run on top"),
            ("n / N", "next / previous page"),
        ],
    ),
    (
        "Registry",
        &[("⏎", "open the source run"), ("t / a", "stage / alias it")],
    ),
];

pub(crate) fn render(m: &Model, f: &mut Frame, area: Rect) {
    let theme = m.theme();
    let mut lines = Vec::new();
    for (section, keys) in KEYS {
        lines.push(Line::from(Span::styled(*section, theme.header())));
        for (k, what) in *keys {
            lines.push(Line::from(vec![
                Span::styled(format!(" {k:<10}"), theme.key()),
                Span::raw(*what),
            ]));
        }
    }
    // Two columns when one does not fit (80×24 is the smallest screen kept usable).
    let one_column = lines.len() as u16 + 2 <= area.height;
    let (width, height) = if one_column {
        (64, lines.len() as u16 + 2)
    } else {
        (area.width, lines.len().div_ceil(2) as u16 + 2)
    };
    let popup = super::centered(area, width, height);
    f.render_widget(Clear, popup);
    let block = Block::bordered().title(" Keys (any key closes) ");
    let inner = block.inner(popup);
    f.render_widget(block, popup);
    if one_column {
        f.render_widget(Paragraph::new(lines), inner);
    } else {
        let right = lines.split_off(lines.len().div_ceil(2));
        let [a, b] = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(inner);
        f.render_widget(Paragraph::new(lines), a);
        f.render_widget(Paragraph::new(right), b);
    }
}
