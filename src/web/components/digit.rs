//! An image drawn as grey squares (SVG).

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DigitProps {
    pub pixels: Vec<f32>,
    pub side: usize,
}

/// An image drawn as grey squares.
#[component]
pub fn Digit(props: &DigitProps) -> Html {
    let s = props.side.max(1);
    html! {
        <svg class={classes!("digit", (s > 8).then_some("fine"))} viewBox={format!("0 0 {s} {s}")} role="img" aria-label="the selected test digit">
            { for props.pixels.iter().enumerate().map(|(i, v)| {
                let shade = (255.0 * (1.0 - v.clamp(0.0, 1.0))) as u8;
                html! { <rect x={(i % s).to_string()} y={(i / s).to_string()} width="1.02" height="1.02"
                              fill={format!("rgb({shade},{shade},{shade})")} /> }
            }) }
        </svg>
    }
}
