//! The confirmation dialog every change goes through. Draws only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::data::Action;
use super::model::Model;

pub(crate) fn render(m: &Model, action: &Action, f: &mut Frame, area: Rect) {
    let theme = m.theme();
    let lines = vec![
        Line::from(action.describe()),
        Line::from(""),
        Line::from(vec![
            Span::styled("y", theme.key()),
            Span::raw(" / ⏎ yes    "),
            Span::styled("any other key", theme.key()),
            Span::raw(" no"),
        ]),
    ];
    let popup = super::centered(area, 60, 5);
    f.render_widget(Clear, popup);
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(
            Block::bordered()
                .title(" Confirm ")
                .border_style(theme.error()),
        ),
        popup,
    );
}
