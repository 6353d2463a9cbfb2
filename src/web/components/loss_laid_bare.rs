//! The loss laid bare: the KL's T² factor and its reduction as switches, with the sizes of the
//! gradients the labels and the teacher send into the distilled student's logits, live.

use yew::prelude::*;

use std::rc::Rc;

use super::*;
use crate::app::Settings;
use crate::app::views::CurvePoint;

#[derive(Properties, PartialEq)]
pub struct LossLaidBareProps {
    pub settings: Settings,
    pub curves: Rc<Vec<CurvePoint>>,
    pub dispatch: Dispatch,
}
use crate::engine::loss::{KlReduction, SoftLoss};

#[component]
pub fn LossLaidBare(props: &LossLaidBareProps) -> Html {
    let p = props;
    let s = &p.settings;
    let kl = s.soft_loss == SoftLoss::HintonKl;
    let t_squared = set_checked(&p.dispatch, "tSquared");
    let reduction = set_field(&p.dispatch, "klReduction");
    let option = |r: KlReduction, text: &'static str| {
        html! { <option value={r.name()} selected={s.kl_reduction == r}>{ text }</option> }
    };
    html! {
        <section class="panel laid-bare" aria-labelledby="laid-bare-h">
            <h2 id="laid-bare-h">{ "The loss laid bare: two classic mistakes" }</h2>
            if !kl {
                <p class="note">{ "These switches act on Hinton's KL. The soft loss is now Tang et al.'s logit MSE, which has no temperature." }</p>
            }
            <label class="check">
                <input id="t-squared" type="checkbox" checked={s.t_squared} onchange={t_squared} disabled={!kl} />
                { " Multiply the soft term by T²" }
            </label>
            <p class="explain">{ "Softening by T also shrinks the soft term's gradients, by about 1/T², since both the softmax and its derivative divide by T." }</p>
            <p class="explain">{ "Hinton et al. multiply by T² to undo it, so that raising T does not quietly turn the teacher down. Untick it at T = 8 and the soft gradient falls 64-fold." }</p>
            <div class="control">
                <label for="kl-reduction">{ "KL reduction" }</label>
                <select id="kl-reduction" onchange={reduction} disabled={!kl}>
                    { option(KlReduction::BatchMean, "batch mean (right)") }
                    { option(KlReduction::ElementMean, "element mean (the bug)") }
                </select>
            </div>
            <p class="explain">{ "KL is a sum over the classes. Averaging over the classes as well (PyTorch's default reduction, \"mean\") divides the soft term and its gradients by the number of classes." }</p>
            <p class="explain">{ "Several public distillation codebases shipped it. With 10 classes the teacher then counts a tenth of what α says." }</p>
            { readout(p) }
        </section>
    }
}

/// The latest gradient sizes and their history.
fn readout(p: &LossLaidBareProps) -> Html {
    let points: Vec<(usize, [f32; 2])> = p
        .curves
        .iter()
        .filter_map(|p| p.logit_gradients.map(|g| (p.step, g)))
        .collect();
    let Some((_, [hard, soft])) = points.last().copied() else {
        return html! { <p id="gradient-readout" class="reading">{ "Train to see how hard the labels and the teacher pull on the student's logits." }</p> };
    };
    let series = |k: usize| -> Vec<(f32, f32)> {
        points
            .iter()
            .map(|(step, g)| (*step as f32, g[k]))
            .collect()
    };
    html! {
        <>
            <p id="gradient-readout" class="reading">{ format!(
                "Gradient into the logits, mean of the last steps: labels (α·CE) {hard:.4}, teacher ((1 − α)·soft) {soft:.4}. The teacher pulls {:.2}× as hard as the labels.",
                soft / hard.max(f32::MIN_POSITIVE)) }</p>
            <p class="explain">{ "Adam rescales the total gradient, so what a mistake changes is this balance: how much the teacher counts against the labels." }</p>
            <Lines id="gradient-chart" title="Size of the gradient into the logits" series={vec![
                Series { name: "labels", class: "hard", points: series(0) },
                Series { name: "teacher", class: "teacher", points: series(1) },
            ]} />
        </>
    }
}
