//! What the conv teacher sees: the first block's filters, and its maps of the image on show.

use std::rc::Rc;

use wasm_bindgen::{Clamped, JsValue};
use yew::prelude::*;

use crate::app::filter_picture::{self, Picture};
use crate::engine::network::FirstBlock;

#[derive(Properties, PartialEq)]
pub struct FirstBlockProps {
    /// `None`: the teacher has no conv blocks, and the panel is not shown.
    pub block: Option<Rc<FirstBlock>>,
}

/// The filters and maps as two pixel pictures, scaled up without smoothing by CSS.
#[component]
pub fn FirstBlockView(props: &FirstBlockProps) -> Html {
    let (filters, maps) = (use_node_ref(), use_node_ref());
    {
        let (filters, maps) = (filters.clone(), maps.clone());
        use_effect_with(props.block.clone(), move |block| {
            if let Some(b) = block {
                for (canvas, picture) in [
                    (&filters, filter_picture::filters(b)),
                    (&maps, filter_picture::maps(b)),
                ] {
                    if let Err(e) = paint(canvas, &picture) {
                        gloo::console::warn!(
                            "the conv teacher's first block could not be drawn:",
                            e
                        );
                    }
                }
            }
        });
    }
    let Some(block) = &props.block else {
        return html! {};
    };
    let channels = block.maps.len();
    html! {
        <section class="panel first-block" aria-labelledby="first-block-h">
            <h2 id="first-block-h">{ "What the conv teacher sees" }</h2>
            <div class="first-block-pictures">
                <figure>
                    <canvas id="conv-filters" ref={filters} role="img"
                        aria-label={format!("the {channels} filters of the teacher's first conv block: red weights positive, blue negative")} />
                    <figcaption>{ format!("{channels} filters, 3×3") }</figcaption>
                </figure>
                <figure>
                    <canvas id="conv-maps" ref={maps} role="img"
                        aria-label={format!("the first block's {channels} feature maps of the image on show: dark where a filter fires")} />
                    <figcaption>{ format!("their maps of the image on show, {0}×{0}", block.side) }</figcaption>
                </figure>
            </div>
            <p class="explain">{ "Each filter is a 3×3 stencil slid over the image: red weights want ink, blue want none, so a filter with red above blue looks for a top edge. Its map is dark where the image matches it (after ReLU, which keeps only the matches). The next block combines these maps. An MLP student has no filters of its own: it takes the teacher's soft targets and, with β > 0, these maps averaged over the image, one number per channel. A conv student (Training → Student) has filters of its own, and with β > 0 its maps learn the mapped block's, pixel by pixel, through a learned 1×1 projection where the channel counts differ." }</p>
        </section>
    }
}

fn paint(canvas: &NodeRef, picture: &Picture) -> Result<(), JsValue> {
    let Some(canvas) = canvas.cast::<web_sys::HtmlCanvasElement>() else {
        return Ok(());
    };
    let (w, h) = (picture.width as u32, picture.height as u32);
    canvas.set_width(w);
    canvas.set_height(h);
    let ctx = super::map_canvas::context2d(&canvas)?;
    let image = web_sys::ImageData::new_with_u8_clamped_array_and_sh(Clamped(&picture.rgba), w, h)?;
    ctx.put_image_data(&image, 0.0, 0.0)
}
