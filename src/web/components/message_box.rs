//! Text in the soft-target panel: a box to type a message, example messages of each class to
//! click, the test messages to step through, and the tokens the networks read.

use yew::prelude::*;

use super::*;
use crate::app::message::{MAX_MESSAGE_CHARS, Message, read_message};
use crate::app::text_data::TextData;

/// The message shown (typed, clicked or a test message) and how the networks read it.
#[component]
pub fn MessageBox(props: &ShownProps) -> Html {
    let p = props;
    let Some(text) = p.data.as_ref().and_then(|d| d.text.clone()) else {
        return html! {};
    };
    let d = p.dispatch.clone();
    let on_input = Callback::from(move |e: InputEvent| {
        let area = e.target_unchecked_into::<web_sys::HtmlTextAreaElement>();
        d.emit(Action::Message(Some(area.value())));
    });
    let typed = p.views.message.clone();
    let shown = typed.clone().unwrap_or_else(|| test_message(p, &text));
    html! {
        <div class="message">
            <label for="message">{ "Type a message (or pick one below): the bars follow as you type." }</label>
            <textarea id="message" rows="3" maxlength={(5 * MAX_MESSAGE_CHARS).to_string()}
                      placeholder="Free money!!! Click now to claim your prize" value={typed.unwrap_or_default()} oninput={on_input} />
            { examples(p, &text) }
            { tokens(&shown, &text) }
            { augmented(p) }
        </div>
    }
}

/// The test message on show (when nothing is typed).
fn test_message(p: &ShownProps, text: &TextData) -> String {
    let n = text.split.test_text.len();
    let i = p.settings.example.min(n.saturating_sub(1));
    text.split.test_text.get(i).cloned().unwrap_or_default()
}

/// Example messages of each class, and the way back to the test messages.
fn examples(p: &ShownProps, text: &TextData) -> Html {
    let pick = |m: Option<String>| {
        let d = p.dispatch.clone();
        Callback::from(move |_: MouseEvent| d.emit(Action::Message(m.clone())))
    };
    html! {
        <div class="examples" role="group" aria-label="example messages">
            { for text.examples.iter().enumerate().map(|(k, (class, m))| {
                let name = p.settings.dataset.class_names()
                    .and_then(|n| n.get(usize::from(*class)).copied())
                    .unwrap_or("?");
                html! {
                    <button class={classes!("example-message", format!("class-{class}"))} id={format!("example-message-{k}")}
                            title={m.clone()} onclick={pick(Some(m.clone()))}>
                        <span class="tag">{ name }</span>{ short(m) }
                    </button>
                }
            }) }
            if p.views.message.is_some() {
                <button id="message-stop" onclick={pick(None)}>{ "Back to the test messages" }</button>
            }
        </div>
    }
}

/// Tang's augmentation of the message, five times, when the transfer set uses it.
fn augmented(p: &ShownProps) -> Html {
    let Some(shown) = &p.views.attention else {
        return html! {};
    };
    let s = &p.settings;
    html! {
        <details class="augmented" open={s.augment_copies > 0}>
            <summary>{ format!("Five augmented versions (masking {:.0} %, replacement {:.0} %, n-grams {:.0} %)",
                s.p_mask * 100.0, s.p_replace * 100.0, s.p_ngram * 100.0) }</summary>
            <ol id="augmented">
                { for shown.augmented.iter().map(|v| html! { <li>{ v.clone() }</li> }) }
            </ol>
            <p class="note">{ if s.augment_copies > 0 {
                format!("The transfer set holds {} such version(s) of every training message, labeled by the teacher alone.", s.augment_copies)
            } else {
                "Not in the transfer set now: choose augmented copies under the loss to add them.".to_string()
            } }</p>
        </details>
    }
}

/// The first words of a message, for a button.
fn short(m: &str) -> String {
    let words: Vec<&str> = m.split_whitespace().take(6).collect();
    let more = m.split_whitespace().count() > 6;
    format!("{}{}", words.join(" "), if more { " …" } else { "" })
}

/// The tokens as the networks read them, or why there are none.
fn tokens(shown: &str, text: &TextData) -> Html {
    match read_message(shown, &text.split.tokenizer) {
        Err(problem) => html! {
            <p id="message-problem" class="reading" role="status">{ format!("Nothing to classify: {problem}.") }</p>
        },
        Ok(m) => html! {
            <>
                <ol id="tokens" class="tokens" aria-label="tokens the networks read">
                    { for m.tokens.iter().map(|t| html! {
                        <li class={classes!("token", t.special.then_some("special"))}
                            title={t.typed.as_ref().map(|w| format!("'{w}' is not in the {}-word vocabulary", text.split.tokenizer.vocab_size()))}>
                            { t.text.clone() }
                        </li>
                    }) }
                </ol>
                <p id="token-note" class="note">{ token_note(&m, text) }</p>
            </>
        },
    }
}

/// What happened on the way to tokens, in words.
fn token_note(m: &Message, text: &TextData) -> String {
    let max = text.split.tokenizer.max_len();
    let mut parts = vec![format!(
        "{} tokens: [CLS] first (the transformer classifies from it), [SEP] last",
        m.tokens.len()
    )];
    if m.unknown_words > 0 {
        parts.push(format!(
            "{} word(s) outside the vocabulary read as [UNK]",
            m.unknown_words
        ));
    }
    if m.dropped_words > 0 {
        parts.push(format!(
            "{} word(s) past the {max}-token limit are not read",
            m.dropped_words
        ));
    }
    if m.cut_text {
        parts.push(format!(
            "only the first {MAX_MESSAGE_CHARS} characters were looked at"
        ));
    }
    parts.join("; ") + "."
}
