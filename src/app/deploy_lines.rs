//! The few lines that run a downloaded ONNX student: in Python with onnxruntime, and in a web
//! page with onnxruntime-web. The files panel shows them for the student being trained; the
//! README's web lines are the digits student's, and Playwright runs them on a static page.

use crate::engine::network::Architecture;
use crate::engine::onnx::{INPUT, OUTPUT};

/// One example the student reads: its element type, length and what it holds.
struct Example {
    tokens: bool,
    length: usize,
    about: &'static str,
}

fn example(arch: &Architecture) -> Example {
    let features = |length| Example {
        tokens: false,
        length,
        about: "features, scaled as the page scales them",
    };
    let tokens = |length| Example {
        tokens: true,
        length,
        about: "token ids from the page's vocabulary, 0 for padding",
    };
    match arch {
        Architecture::Mlp(c) => features(c.inputs),
        Architecture::Cnn(c) => features(c.side * c.side),
        Architecture::Transformer(c) => tokens(c.max_len),
        Architecture::BiLstm(c) => tokens(c.max_len),
        Architecture::Bow(c) => tokens(c.max_len),
        Architecture::Bert(c) => tokens(c.max_len),
    }
}

/// Python: onnxruntime on one example of zeros.
pub fn python_lines(arch: &Architecture, file: &str) -> String {
    let e = example(arch);
    let dtype = if e.tokens { "np.int64" } else { "np.float32" };
    format!(
        "import numpy as np, onnxruntime as ort\n\
         session = ort.InferenceSession(\"{file}\")\n\
         x = np.zeros((1, {n}), {dtype})  # one example: {n} {about}\n\
         print(session.run([\"{OUTPUT}\"], {{\"{INPUT}\": x}})[0])",
        n = e.length,
        about = e.about,
    )
}

/// A web page: onnxruntime-web (npm; ort.min.js and its .wasm files beside the page) on one
/// example of zeros, the logits written into the page.
pub fn web_lines(arch: &Architecture, file: &str) -> String {
    let e = example(arch);
    let (kind, array) = match e.tokens {
        true => ("int64", "BigInt64Array"),
        false => ("float32", "Float32Array"),
    };
    format!(
        "<script src=\"ort.min.js\"></script>\n\
         <script type=\"module\">\n\
         \x20 const session = await ort.InferenceSession.create('{file}');\n\
         \x20 // One example: {n} {about}.\n\
         \x20 const {INPUT} = new ort.Tensor('{kind}', new {array}({n}), [1, {n}]);\n\
         \x20 const {{ {OUTPUT} }} = await session.run({{ {INPUT} }});\n\
         \x20 document.body.textContent = Array.from({OUTPUT}.data).join(' ');\n\
         </script>",
        n = e.length,
        about = e.about,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::network::{BowConfig, MlpConfig};

    #[test]
    fn the_lines_feed_the_graphs_input_of_the_students_kind() {
        let mlp: Architecture = MlpConfig::student(64, 10).into();
        let py = python_lines(&mlp, "s.onnx");
        assert!(
            py.contains("np.zeros((1, 64), np.float32)") && py.contains("{\"input\": x}"),
            "{py}"
        );
        let web = web_lines(&mlp, "s.onnx");
        assert!(
            web.contains("new ort.Tensor('float32', new Float32Array(64), [1, 64])"),
            "{web}"
        );
        assert!(
            web.contains("const { logits } = await session.run({ input });"),
            "{web}"
        );
        let bow: Architecture = BowConfig::student(500, 48, 2).into();
        assert!(python_lines(&bow, "s.onnx").contains("np.zeros((1, 48), np.int64)"));
        assert!(web_lines(&bow, "s.onnx").contains("new BigInt64Array(48), [1, 48]"));
    }
}
