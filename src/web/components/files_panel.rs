//! Weights in and out: downloads, and loading a student or a teacher.

use yew::prelude::*;

use super::labs::LabProps;
use super::*;
use crate::app::state::Action;

use crate::engine::network::{Architecture, MlpConfig, TransformerConfig};
use crate::engine::weights::{NetworkWeights, WeightFormat};
use crate::web::RecipeFormat;
use crate::web::error::WebError;
use crate::web::files;
use crate::web::{Request, Which};

/// What the teachers' lab gets (it is part of this panel), and the last link made.
#[derive(Properties, PartialEq)]
pub struct FilesProps {
    pub lab: LabProps,
    pub student_link: Option<Result<String, String>>,
}

/// Downloads of the networks (PyTorch/numpy and burn formats) and loading one back.
#[component]
pub fn Files(props: &FilesProps) -> Html {
    let p = &props.lab;
    let load_as = use_node_ref();
    html! {
        <section class="panel files" aria-labelledby="files-h">
            <h2 id="files-h">{ "Weights in and out" }</h2>
            <p class="explain">{ "Download a network to open it elsewhere: safetensors in PyTorch's nn.Linear layout (weight [out, in]) for PyTorch and numpy, the same with every matrix as int8 times a scale (a quarter of the size; numpy reads it as q8 * scale, and this page reads it back), or burnpack for burn. The file also records the settings and the test accuracy." }</p>
            { downloads(&p.request) }
            { student_link(&props.student_link, &p.request) }
            { loader(p, load_as) }
            <super::labs::teachers::View ..p.clone() />
            <p class="explain">{ "In PyTorch:" }</p>
            <pre id="torch-snippet" class="code">{ torch_snippet(p) }</pre>
            { onnx(p) }
            { recipes(&p.request) }
        </section>
    }
}

/// A link that carries the distilled student: whoever opens it sees its bars and accuracy.
fn student_link(link: &Option<Result<String, String>>, request: &Callback<Request>) -> Html {
    let make = request.reform(|_: MouseEvent| Request::StudentLink);
    html! {
        <>
            <div class="buttons">
                <button id="copy-student-link" onclick={make}>{ "Copy link with student" }</button>
            </div>
            { match link {
                None => html! {},
                Some(Ok(link)) => html! {
                    <>
                        <input id="student-link" type="text" readonly=true value={link.clone()} aria-label="Link with the student" />
                        <p class="note">{ format!(
                            "Copied where the browser allows it. The settings and the distilled student travel in the link itself ({} characters): weights as 16-bit floats (about three significant digits), compressed. Nothing is uploaded.",
                            link.len()) }</p>
                    </>
                },
                Some(Err(why)) => html! { <p id="student-link-refused" class="note">{ format!("No link: {why}.") }</p> },
            } }
        </>
    }
}

/// The run's settings for the tools that take it to scale.
fn recipes(request: &Callback<Request>) -> Html {
    let export =
        |format: RecipeFormat| request.reform(move |_: MouseEvent| Request::ExportRecipe(format));
    html! {
        <>
            <h3 class="sub">{ "Take the run to PyTorch's distillation toolkits" }</h3>
            <p class="explain">{ "The same experiment (T, α, the soft loss, β with the mapped layers and their projections, γ, the optimiser) as a TextBrewer DistillationConfig or a torchdistill config, to rerun at scale with the weights above, including torchdistill's distributed training. What has no equivalent in a tool is said when you save." }</p>
            <div class="buttons">
                <button id="export-textbrewer" onclick={export(RecipeFormat::TextBrewer)}>{ "TextBrewer config (.json)" }</button>
                <button id="export-torchdistill" onclick={export(RecipeFormat::Torchdistill)}>{ "torchdistill config (.yaml)" }</button>
            </div>
        </>
    }
}

fn downloads(request: &Callback<Request>) -> Html {
    let download = |which: Which, format: WeightFormat| {
        let request = request.clone();
        Callback::from(move |_: MouseEvent| request.emit(Request::Download { which, format }))
    };
    html! {
        <div class="buttons">
            <button id="download-student" onclick={download(Which::Student, WeightFormat::Safetensors)}>{ "Distilled student .safetensors" }</button>
            <button id="download-student-bpk" onclick={download(Which::Student, WeightFormat::Burnpack)}>{ ".bpk" }</button>
            <button id="download-student-int8" onclick={download(Which::Student, WeightFormat::SafetensorsInt8)}>{ "int8 .safetensors" }</button>
            <button id="download-scratch" onclick={download(Which::Scratch, WeightFormat::Safetensors)}>{ "Scratch student" }</button>
            <button id="download-teacher" onclick={download(Which::Teacher, WeightFormat::Safetensors)}>{ "Teacher" }</button>
        </div>
    }
}

/// Reads the file, parses it, and only then asks the driver to use it: a bad file changes
/// nothing.
fn read_and_import(p: &LabProps, which: Which, file: web_sys::File) {
    let request = p.request.clone();
    let dispatch = p.dispatch.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let name = file.name();
        let parsed = match files::read(file).await {
            Ok(bytes) => NetworkWeights::from_bytes(&bytes).map_err(WebError::from),
            Err(e) => Err(e),
        };
        match parsed {
            Ok((weights, _)) => request.emit(Request::Import {
                which,
                weights,
                name,
            }),
            Err(e) => dispatch.emit(Action::Failed(format!(
                "Could not load {name}: {e}. Nothing was changed."
            ))),
        }
    });
}

/// "Load weights as the student / teacher", by file picker or drop.
fn loader(p: &LabProps, load_as: NodeRef) -> Html {
    let load = {
        let (p, load_as) = (p.clone(), load_as.clone());
        move |file: web_sys::File| {
            let role = load_as
                .cast::<web_sys::HtmlSelectElement>()
                .map(|s| s.value());
            let which = match role.as_deref() {
                Some("teacher") => Which::Teacher,
                _ => Which::Student,
            };
            read_and_import(&p, which, file);
        }
    };
    let (on_pick, on_drop) = file_handlers(load);
    let on_drag_over = Callback::from(|e: DragEvent| e.prevent_default());
    html! {
        <div class="drop" ondrop={on_drop} ondragover={on_drag_over}>
            <label>{ "Load weights as the " }
                <select id="load-as" ref={load_as} aria-label="load the file as">
                    <option value="student" selected=true>{ "distilled student" }</option>
                    <option value="teacher">{ "teacher" }</option>
                </select>
            </label>
            <label class="file">{ " from " }
                <input id="load-file" type="file" accept=".safetensors,.bpk" onchange={on_pick} />
            </label>
            <span class="note">{ " or drop a file here." }</span>
        </div>
    }
}

/// The vocabulary of the text set in use.
fn vocab(p: &LabProps) -> Option<usize> {
    let text = p.run.data.as_ref()?.text.as_ref()?;
    Some(text.split.tokenizer.vocab_size())
}

/// The current student's shape, as the settings make it.
fn student_shape(p: &LabProps) -> crate::Result<Architecture> {
    let s = &p.settings;
    let (inputs, classes) = p.run.data_shape(s.dataset);
    // Only the teacher's inputs, classes and vocabulary matter to the student's shape.
    let like: Architecture = match vocab(p) {
        Some(v) => TransformerConfig::teacher(v, inputs, classes).into(),
        None => MlpConfig::teacher(inputs, classes).into(),
    };
    s.student_architecture(&like)
}

/// The PyTorch lines that load the current student shape.
fn torch_snippet(p: &LabProps) -> String {
    match student_shape(p) {
        Ok(arch) => crate::app::torch_lines::torch_lines(&arch, "distilled-student.safetensors"),
        Err(e) => format!("# the student's shape is not possible: {e}"),
    }
}

/// The student as ONNX (float32 or int8 weights) and the lines that run it elsewhere.
fn onnx(p: &LabProps) -> Html {
    use crate::app::deploy_lines::{python_lines, web_lines};
    let download = |int8: bool| {
        let request = p.request.clone();
        Callback::from(move |_: MouseEvent| request.emit(Request::DownloadOnnx { int8 }))
    };
    let (python, web) = match student_shape(p) {
        Ok(arch) => (
            python_lines(&arch, "distilled-student.onnx"),
            web_lines(&arch, "distilled-student.onnx"),
        ),
        Err(e) => (format!("# {e}"), format!("<!-- {e} -->")),
    };
    html! {
        <>
            <h3 class="sub">{ "Run the student anywhere: ONNX" }</h3>
            <p class="explain">{ "The distilled student as an ONNX model for onnxruntime, in Python, in a web page, on a phone. With int8 weights the file is about a quarter of the size; each weight is rounded to one of 255 steps, which moves the logits a little (at most 0.15 for a digits student we measured) and the answers almost never." }</p>
            <div class="buttons">
                <button id="download-onnx" onclick={download(false)}>{ "Distilled student .onnx" }</button>
                <button id="download-onnx-int8" onclick={download(true)}>{ "int8 .onnx" }</button>
            </div>
            <p class="explain">{ "In Python (pip install onnxruntime):" }</p>
            <pre id="onnx-python-snippet" class="code">{ python }</pre>
            <p class="explain">{ "In a web page, with ort.min.js and its .wasm files from npm's onnxruntime-web (node_modules/onnxruntime-web/dist/) beside it:" }</p>
            <pre id="onnx-web-snippet" class="code">{ web }</pre>
        </>
    }
}
