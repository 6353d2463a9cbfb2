//! One-click presets of the papers' experiments.

use yew::prelude::*;

use super::*;
use crate::app::Preset;
use crate::app::state::Action;
use crate::web::Request;

/// One click per paper experiment, each explained.
#[derive(Properties, PartialEq)]
pub struct PresetsProps {
    /// The set in use (the presets explain themselves for it).
    pub dataset: crate::engine::catalog::DatasetKind,
    pub dispatch: Dispatch,
    pub request: Callback<crate::web::Request>,
}

/// The work a preset starts, as requests to the driver (served in order).
fn preset_requests(preset: Preset, d: &Dispatch) -> Vec<Request> {
    use crate::app::labs::ensemble::{EnsembleEvent, EnsembleRequest};
    use crate::app::labs::exits::ExitsRequest;
    use crate::app::labs::sequence::{SequenceEvent, SequenceRequest, Taught};
    use crate::app::labs::teachers::TeacherRequest;
    use crate::app::labs::theseus::{TheseusEvent, TheseusRequest};
    use crate::app::labs::{LabEvent, LabReport, LabRequest};
    use crate::app::presets::PresetWork;
    use crate::engine::seq2seq::Targets;
    let edit = |e: LabEvent| d.emit(Action::Lab(LabReport::Event(e)));
    let labs = |requests: Vec<LabRequest>| requests.into_iter().map(Request::Lab).collect();
    match preset.work() {
        None => Vec::new(),
        Some(PresetWork::Assistant) => labs(vec![LabRequest::teachers(TeacherRequest::Assistant)]),
        Some(PresetWork::Exits) => labs(vec![LabRequest::exits(ExitsRequest::Train)]),
        Some(PresetWork::Theseus) => {
            edit(LabEvent::theseus(TheseusEvent::Curriculum(true)));
            labs(vec![LabRequest::theseus(TheseusRequest::Replace {
                curriculum: true,
            })])
        }
        Some(PresetWork::Sequence) => {
            edit(LabEvent::sequence(SequenceEvent::Targets(
                Targets::Sequence,
            )));
            edit(LabEvent::sequence(SequenceEvent::Beam(1)));
            let taught = Taught {
                targets: Targets::Sequence,
                beam: 1,
            };
            labs(vec![
                LabRequest::sequence(SequenceRequest::Load),
                LabRequest::sequence(SequenceRequest::Train(taught)),
            ])
        }
        Some(PresetWork::CrossLingual) => labs(cross_lingual()),
        Some(PresetWork::MultiTask) => {
            use crate::app::labs::multitask::MultiTaskRequest;
            labs(vec![LabRequest::multitask(MultiTaskRequest::Train)])
        }
        Some(PresetWork::Imitation) => {
            use crate::app::labs::imitation::{ImitationLab, ImitationRequest};
            let lambda = ImitationLab::default().lambda;
            labs(vec![LabRequest::imitation(ImitationRequest::Train {
                lambda,
            })])
        }
        Some(PresetWork::Ensemble) => {
            edit(LabEvent::ensemble(EnsembleEvent::TeacherSized(true)));
            labs(vec![
                LabRequest::ensemble(EnsembleRequest::AddTeacher),
                LabRequest::ensemble(EnsembleRequest::AddTeacher),
                LabRequest::ensemble(EnsembleRequest::Distil {
                    teacher_sized: true,
                }),
            ])
        }
    }
}

/// Load the verses, then train at the lab's defaults.
fn cross_lingual() -> Vec<crate::app::labs::LabRequest> {
    use crate::app::labs::LabRequest;
    use crate::app::labs::cross_lingual::{CrossLingualLab, CrossLingualRequest};
    let lab = CrossLingualLab::default();
    vec![
        LabRequest::cross_lingual(CrossLingualRequest::Load),
        // Nothing on show yet: the run reads the first test verse, which loading shows.
        LabRequest::cross_lingual(CrossLingualRequest::Train {
            temperature: lab.temperature,
            lambda: lab.lambda,
            english: String::new(),
            spanish: String::new(),
        }),
    ]
}

#[component]
pub fn Presets(props: &PresetsProps) -> Html {
    let dataset = props.dataset;
    html! {
        <section class="panel presets" aria-labelledby="presets-h">
            <h2 id="presets-h">{ "Experiments" }</h2>
            <p class="explain">{ "Each button sets up one claim of a paper (both students restart). Press Train and watch the curves." }</p>
            <ul class="preset-list">
                { for Preset::ALL.iter().map(|&preset| {
                    let request = props.request.clone();
                    let d = props.dispatch.clone();
                    let onclick = Callback::from(move |_: MouseEvent| {
                        d.emit(Action::Set(crate::app::settings::Edit::Preset(preset)));
                        for r in preset_requests(preset, &d) {
                            request.emit(r);
                        }
                        // To where the preset's work shows: its lab, or the students.
                        d.emit(Action::Go(preset.place()));
                    });
                    html! {
                        <li>
                            <button id={format!("preset-{}", preset.id())} {onclick}>{ preset.title() }</button>
                            <span class="note">{ preset.explain_for(dataset) }</span>
                        </li>
                    }
                }) }
            </ul>
        </section>
    }
}
