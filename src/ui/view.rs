//! `view(&Model, &mut Frame)`: the screen as a function of the model: title, the current view,
//! the error box, the bottom bar, then any overlay. Draws only.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::model::{Focus, Model, Overlay, View};
use super::{
    charts, compare, confirm, detail, experiments, filter_bar, help, plot, registry, runs_table,
};

/// The experiments pane's width; below 100 columns it shows only while focused (Tab), so an
/// 80-column terminal keeps its room for the table.
const PANE: u16 = 24;

/// The experiments pane's width on a screen `width` wide (0: hidden).
pub(crate) fn pane_width(m: &Model, width: u16) -> u16 {
    if width >= 100 || m.focus == Focus::Experiments {
        PANE.min(width / 2)
    } else {
        0
    }
}

pub(crate) fn view(m: &Model, f: &mut Frame) {
    let theme = m.theme();
    let [title, body, error, bar] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(filter_bar::error_height(m)),
        Constraint::Length(1),
    ])
    .areas(f.area());
    let what = match &m.view {
        View::Runs => "runs",
        View::Detail => "run",
        View::Viewer(..) => "artifact",
        View::Charts => "charts",
        View::Plot => "plot",
        View::Compare => "compare",
        View::Registry => "models",
    };
    let mut spans = vec![Span::raw(format!(
        " mlrs ui · {} · {what} ",
        m.store.root().display()
    ))];
    if m.read_only {
        spans.push(Span::raw("· read-only "));
    }
    f.render_widget(
        Paragraph::new(Line::from(spans)).style(theme.title()),
        title,
    );
    match &m.view {
        View::Runs => {
            let pane = pane_width(m, body.width);
            let [left, right] =
                Layout::horizontal([Constraint::Length(pane), Constraint::Fill(1)]).areas(body);
            if pane > 0 {
                experiments::render(m, f, left);
            }
            runs_table::render(m, f, right);
        }
        View::Detail => detail::render(m, f, body),
        View::Viewer(title, lines, top) => detail::render_viewer(title, lines, *top, f, body),
        View::Charts => charts::render(m, f, body),
        View::Plot => plot::render(m, f, body),
        View::Compare => compare::render(m, f, body),
        View::Registry => registry::render(m, f, body),
    }
    filter_bar::render_error(m, f, error);
    filter_bar::render(m, f, bar);
    match &m.overlay {
        Overlay::Help => help::render(m, f, body),
        Overlay::Confirm(action) => confirm::render(m, action, f, body),
        Overlay::Input(..) | Overlay::None => {}
    }
}
