//! The attention panel (text): the teacher's and the distilled student's attention on the
//! message shown, one block and head of each at a time (so it reads at phone width), the mapped
//! block pairs to pick from, and MiniLM's relation maps when that loss is on.

use std::rc::Rc;

use yew::prelude::*;

use super::*;
use crate::app::Settings;
use crate::app::session::ShownAttention;
use crate::engine::loss::AttentionLoss;
use crate::engine::network::AttentionMaps;

/// Which block and head of each network is on show (1-based blocks, 0-based heads).
#[derive(Clone, Copy, PartialEq)]
struct Pick {
    teacher: (usize, usize),
    student: (usize, usize),
}

#[derive(Properties, PartialEq)]
pub struct AttentionViewProps {
    pub settings: Settings,
    /// The teacher's and the student's attention on what is shown, once read.
    pub attention: Option<Rc<ShownAttention>>,
    /// Blocks of the teacher.
    pub teacher_depth: usize,
}

#[component]
pub fn AttentionView(props: &AttentionViewProps) -> Html {
    let p = props;
    // Until the user picks, the first mapped pair (what the losses compare), else block 1.
    let chosen = use_state(|| None::<Pick>);
    let first = mapped_pairs(p).first().map_or((1, 1), |&(s, t)| (s, t));
    let pick = Picker {
        now: chosen.unwrap_or(Pick {
            teacher: (first.1, 0),
            student: (first.0, 0),
        }),
        set: chosen.setter(),
    };
    if !p.settings.dataset.is_text() {
        return html! {};
    }
    let Some(shown) = p.attention.clone() else {
        return html! {
            <section class="panel attention" aria-labelledby="attention-h">
                <h2 id="attention-h">{ "Attention" }</h2>
                <p class="note">{ "Reading the message…" }</p>
            </section>
        };
    };
    let s = &p.settings;
    let pairs = mapped_pairs(p);
    html! {
        <section class="panel attention" aria-labelledby="attention-h">
            <h2 id="attention-h">{ "Attention" }</h2>
            <p class="explain">{ "Row i of a map is where token i looks when it builds its next vector: the darkest cell of a row gets most of its attention (shades are relative to the row's largest weight). Hover a cell, or focus a map and use the arrow keys, to read it." }</p>
            { pair_buttons(&pairs, &pick) }
            if shown.teacher_tokens.is_some() {
                <p class="explain" id="alignment-note">{ "The teacher reads word pieces (“un ##bel ##ie ##va ##bly”), the student whole words. To compare them, each piece is given to the word its letters start in; the teacher's states are averaged over a word's pieces, and its attention rows averaged and columns summed over them, so every row still sums to 1. Its 12 heads are averaged in groups down to the student's heads." }</p>
            }
            <div class="attention-pair">
                { network_maps("teacher", "Teacher", shown.teacher.as_ref(), teacher_tokens(&shown), &pick, true, &pairs) }
                { match &shown.student {
                    Some(maps) => network_maps("student", "Distilled student", Some(maps), &shown.tokens, &pick, false, &pairs),
                    None => html! { <p id="no-student-attention" class="reading">{ format!(
                        "A {} student has no attention to show: it reads the words {}. It learns from the teacher's outputs alone.",
                        s.student_kind.title(),
                        if s.student_kind == crate::engine::network::NetKind::Bilstm { "one after another, in both directions" } else { "as an unordered bag" }) }</p> },
                } }
            </div>
            if s.attention_loss == AttentionLoss::MiniLm {
                { relations(&shown, &pick) }
            }
        </section>
    }
}

/// The blocks on show, and how a menu or a pair button changes them.
#[derive(Clone)]
struct Picker {
    now: Pick,
    set: UseStateSetter<Option<Pick>>,
}

impl Picker {
    fn choose(&self, f: impl Fn(&mut Pick)) -> Pick {
        let mut next = self.now;
        f(&mut next);
        next
    }
}

/// The (student block, teacher block) pairs the mapping connects and a loss compares: the
/// hidden states (β > 0) or TinyBERT's attention (transformer students).
fn mapped_pairs(p: &AttentionViewProps) -> Vec<(usize, usize)> {
    let s = &p.settings;
    let used = s.beta > 0.0 || s.attention_loss == AttentionLoss::TinyBert;
    if s.student_kind != crate::engine::network::NetKind::Transformer || !used {
        return Vec::new();
    }
    s.mapping
        .resolve(s.student_depth(), p.teacher_depth.max(1))
        .map(|m| m.pairs().to_vec())
        .unwrap_or_default()
}

/// One button per mapped pair: it shows that pair's blocks side by side.
fn pair_buttons(pairs: &[(usize, usize)], pick: &Picker) -> Html {
    if pairs.is_empty() {
        return html! { <p class="note">{ "No loss compares blocks now (β = 0 and no TinyBERT): pick any block of each network." }</p> };
    }
    html! {
        <div class="buttons mapped-pairs" role="group" aria-label="mapped block pairs">
            <span class="note">{ "Mapped pairs: " }</span>
            { for pairs.iter().map(|&(sb, tb)| {
                let on = pick.now.teacher.0 == tb && pick.now.student.0 == sb;
                let pick = pick.clone();
                let choose = Callback::from(move |_: MouseEvent| {
                    let next = pick.choose(|p| {
                        p.teacher.0 = tb;
                        p.student.0 = sb;
                    });
                    pick.set.set(Some(next));
                });
                html! {
                    <button class={classes!("pair-button", on.then_some("selected"))} aria-pressed={on.to_string()}
                            id={format!("pair-{tb}-{sb}")} onclick={choose}>{ format!("teacher block {tb} → student block {sb}") }</button>
                }
            }) }
        </div>
    }
}

/// The tokens of the teacher's maps: its own word pieces, else the students' words.
fn teacher_tokens(shown: &ShownAttention) -> &[String] {
    shown.teacher_tokens.as_deref().unwrap_or(&shown.tokens)
}

/// A network's block and head menus and its map.
fn network_maps(
    id: &'static str,
    title: &'static str,
    maps: Option<&AttentionMaps>,
    tokens: &[String],
    pick: &Picker,
    teacher: bool,
    pairs: &[(usize, usize)],
) -> Html {
    let Some(maps) = maps else {
        return html! {};
    };
    let (block, head) = if teacher {
        pick.now.teacher
    } else {
        pick.now.student
    };
    let blocks = maps.attention.len().max(1);
    let block = block.clamp(1, blocks);
    let heads = maps.attention.get(block - 1).map_or(1, Vec::len).max(1);
    let head = head.min(heads - 1);
    let mapped = pairs
        .iter()
        .any(|&(sb, tb)| if teacher { tb == block } else { sb == block });
    let (on_block, on_head) = menus(pick, teacher);
    let weights = maps
        .attention
        .get(block - 1)
        .and_then(|h| h.get(head))
        .cloned()
        .unwrap_or_default();
    html! {
        <div class={classes!("attention-side", id, mapped.then_some("mapped"))} id={format!("attention-{id}")}>
            <div class="attention-pick">
                <label>{ format!("{title}: block ") }
                    <select id={format!("att-{id}-block")} onchange={on_block}>
                        { for (1..=blocks).map(|b| {
                            let is_mapped = pairs.iter().any(|&(sb, tb)| if teacher { tb == b } else { sb == b });
                            html! { <option value={b.to_string()} selected={b == block}>{ if is_mapped { format!("{b} (mapped)") } else { b.to_string() } }</option> }
                        }) }
                    </select>
                </label>
                <label>{ " head " }
                    <select id={format!("att-{id}-head")} onchange={on_head}>
                        { for (0..heads).map(|h| html! { <option value={h.to_string()} selected={h == head}>{ (h + 1).to_string() }</option> }) }
                    </select>
                </label>
            </div>
            <AttentionHeatmap title={format!("{title}, block {block}, head {}{}", head + 1, if mapped { " · mapped" } else { "" })}
                              tokens={tokens.to_vec()} weights={weights} />
            <HeadView id={format!("head-view-{id}")} title={format!("{title}, block {block}: every head")}
                      tokens={tokens.to_vec()} heads={maps.attention.get(block - 1).cloned().unwrap_or_default()} />
        </div>
    }
}

/// What the block and head menus of one network change.
fn menus(pick: &Picker, teacher: bool) -> (Callback<Event>, Callback<Event>) {
    let set = |f: fn(&mut Pick, usize)| {
        let pick = pick.clone();
        Callback::from(move |e: Event| {
            if let Ok(v) = input_value(&e).parse::<usize>() {
                pick.set.set(Some(pick.choose(|p| f(p, v))));
            }
        })
    };
    if teacher {
        (set(|p, v| p.teacher.0 = v), set(|p, v| p.teacher.1 = v))
    } else {
        (set(|p, v| p.student.0 = v), set(|p, v| p.student.1 = v))
    }
}

/// MiniLM's last-block relations: Q·K (the attention itself) and V·V, per head of each network.
fn relations(shown: &ShownAttention, pick: &Picker) -> Html {
    let get = |m: Option<&AttentionMaps>, head: usize, qk: bool| {
        let m = m?;
        let maps = if qk { &m.query_key } else { &m.value_value };
        maps.get(head.min(maps.len().saturating_sub(1))).cloned()
    };
    let map = |id: &'static str, title: String, w: Option<Vec<f32>>| match w {
        Some(weights) => html! {
            <div class="relation" id={id}><AttentionHeatmap title={title} weights={weights}
                tokens={if id.starts_with("teacher") { teacher_tokens(shown).to_vec() } else { shown.tokens.clone() }} /></div>
        },
        None => html! {},
    };
    let (th, sh) = (pick.now.teacher.1, pick.now.student.1);
    html! {
        <>
            <h3 class="sub">{ "MiniLM: the last block's relations" }</h3>
            <p class="explain">{ "MiniLM (Wang et al. 2020) matches only the last block: softmax(Q·Kᵀ/√d), which is the attention, and softmax(V·Vᵀ/√d), how alike the tokens' values are. Neither depends on the width, so the student may be narrower and have other heads." }</p>
            <div class="attention-pair">
                { map("teacher-qk", format!("Teacher Q·K, head {}", th + 1), get(shown.teacher.as_ref(), th, true)) }
                { map("student-qk", format!("Student Q·K, head {}", sh + 1), get(shown.student.as_ref(), sh, true)) }
                { map("teacher-vv", format!("Teacher V·V, head {}", th + 1), get(shown.teacher.as_ref(), th, false)) }
                { map("student-vv", format!("Student V·V, head {}", sh + 1), get(shown.student.as_ref(), sh, false)) }
            </div>
        </>
    }
}
