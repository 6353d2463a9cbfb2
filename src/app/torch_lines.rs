//! The PyTorch lines that open a downloaded student, for its kind and shape: the module (the
//! weight names and layouts of the README's "Weights" section) and the line that loads it.

use crate::engine::network::{Activation, Architecture, MlpConfig};

const ENCODER: &str = r#"class Encoder(nn.Module):
    def __init__(s, vocab, max_len, d, heads, blocks, ff, classes):
        super().__init__()
        s.token_embedding, s.position_embedding = nn.Embedding(vocab, d), nn.Embedding(max_len, d)
        s.embedding_norm, s.final_norm = nn.LayerNorm(d), nn.LayerNorm(d)
        s.layers = nn.ModuleList(nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, activation="gelu",
                                 batch_first=True, norm_first=True) for _ in range(blocks))
        s.classifier = nn.Linear(d, classes)
    def forward(s, ids):  # [batch, max_len]: [CLS] first, 0 = [PAD]
        x = s.embedding_norm(s.token_embedding(ids) + s.position_embedding.weight[: ids.shape[1]])
        for layer in s.layers:
            x = layer(x, src_key_padding_mask=ids == 0)
        return s.classifier(s.final_norm(x[:, 0]))"#;

const BILSTM: &str = r#"class BiLstm(nn.Module):
    def __init__(s, vocab, embed, hidden, fc, classes):
        super().__init__()
        s.embedding, s.lstm = nn.Embedding(vocab, embed), nn.LSTM(embed, hidden, batch_first=True, bidirectional=True)
        s.fc, s.classifier = nn.Linear(2 * hidden, fc), nn.Linear(fc, classes)
    def forward(s, ids):
        packed = nn.utils.rnn.pack_padded_sequence(s.embedding(ids), (ids != 0).sum(1).cpu(), batch_first=True, enforce_sorted=False)
        out, _ = nn.utils.rnn.pad_packed_sequence(s.lstm(packed)[0], batch_first=True, padding_value=float("-inf"))
        return s.classifier(torch.relu(s.fc(out.max(1).values)))"#;

const BOW: &str = r#"class Bow(nn.Module):
    def __init__(s, vocab, embed, hidden, classes):
        super().__init__()
        s.embedding = nn.EmbeddingBag(vocab, embed, mode="mean", padding_idx=0)
        widths = [embed] + hidden
        s.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths, widths[1:]))
        s.classifier = nn.Linear(widths[-1], classes)
    def forward(s, ids):
        x = s.embedding(ids)
        for layer in s.hidden:
            x = torch.relu(layer(x))
        return s.classifier(x)"#;

const BERT: &str = r#"from transformers import BertConfig, BertModel
class Bert(nn.Module):  # BertModel's own names; mean of the last states over the real tokens
    def __init__(s, vocab, max_len, d, heads, layers, ff, classes):
        super().__init__()
        s.bert = BertModel(BertConfig(vocab_size=vocab, hidden_size=d, num_hidden_layers=layers, num_attention_heads=heads,
                           intermediate_size=ff, max_position_embeddings=max_len, layer_norm_eps=1e-12), add_pooling_layer=False)
        s.classifier = nn.Linear(d, classes)
    def load_state_dict(s, sd):
        s.classifier.load_state_dict({k[11:]: v for k, v in sd.items() if k.startswith("classifier.")})
        s.bert.load_state_dict({k: v for k, v in sd.items() if not k.startswith("classifier.")}, strict=False)
    def forward(s, ids):  # [batch, max_len] WordPiece ids: [CLS] first, 0 = [PAD]
        mask = (ids != 0).float()
        h = s.bert(input_ids=ids, attention_mask=mask).last_hidden_state
        return s.classifier((h * mask[..., None]).sum(1) / mask.sum(1, keepdim=True))"#;

const CNN: &str = r#"class Cnn(nn.Module):
    def __init__(s, side, channels, classes):
        super().__init__()
        s.side = side
        s.blocks = nn.ModuleList(nn.Conv2d(i, o, 3, padding=1) for i, o in zip([1] + channels[:-1], channels))
        s.classifier = nn.Linear(channels[-1] * (side >> len(channels)) ** 2, classes)
    def forward(s, x):
        x = x.view(-1, 1, s.side, s.side)
        for b in s.blocks:
            x = nn.functional.max_pool2d(torch.relu(b(x)), 2)
        return s.classifier(x.flatten(1))"#;

/// An MLP as `nn.Sequential`: a factorized layer is two `nn.Linear`, the first without bias;
/// a shared layer is one module listed at every depth after the first.
fn sequential(c: &MlpConfig) -> String {
    let activation = match c.activation {
        Activation::Relu => "nn.ReLU()",
        Activation::Tanh => "nn.Tanh()",
        Activation::Gelu => "nn.GELU()",
    };
    let layers = c.sequential();
    let mut modules: Vec<String> = layers
        .iter()
        .map(|l| match l.rank {
            None => format!("nn.Linear({}, {})", l.inputs, l.outputs),
            Some(r) => format!(
                "nn.Linear({}, {r}, bias=False), nn.Linear({r}, {})",
                l.inputs, l.outputs
            ),
        })
        .collect();
    if c.shared {
        let output = modules.pop().unwrap_or_default();
        modules.truncate(1);
        modules.extend(std::iter::repeat_n("shared".to_string(), c.depth() - 1));
        modules.push(output);
    }
    let last = modules.len().saturating_sub(1);
    let listed: Vec<String> = modules
        .iter()
        .enumerate()
        .map(|(k, m)| match k < last {
            true => format!("{m}, {activation}"),
            false => m.clone(),
        })
        .collect();
    format!("nn.Sequential({})", listed.join(", "))
}

/// The lines for a student of `arch`, saved as `file`.
pub fn torch_lines(arch: &Architecture, file: &str) -> String {
    let head = "import torch, torch.nn as nn, safetensors.torch as st";
    let (module, build) = match arch {
        Architecture::Mlp(c) => (None, sequential(c)),
        Architecture::Transformer(c) => (
            Some(ENCODER),
            format!(
                "Encoder({}, {}, {}, {}, {}, {}, {})",
                c.vocab, c.max_len, c.width, c.heads, c.blocks, c.ff, c.classes
            ),
        ),
        Architecture::BiLstm(c) => (
            Some(BILSTM),
            format!(
                "BiLstm({}, {}, {}, {}, {})",
                c.vocab, c.embed, c.hidden, c.fc, c.classes
            ),
        ),
        Architecture::Bow(c) => (
            Some(BOW),
            format!(
                "Bow({}, {}, {:?}, {})",
                c.vocab, c.embed, c.hidden, c.classes
            ),
        ),
        Architecture::Cnn(c) => (
            Some(CNN),
            format!("Cnn({}, {:?}, {})", c.side, c.channels, c.classes),
        ),
        Architecture::Bert(c) => (
            Some(BERT),
            format!(
                "Bert({}, {}, {}, {}, {}, {}, {})",
                c.vocab, c.max_len, c.width, c.heads, c.layers, c.ff, c.classes
            ),
        ),
    };
    let load = match arch {
        // The file holds the shared layer once; its later places are the same module.
        Architecture::Mlp(c) if c.shared => format!(
            "shared = nn.Linear({w}, {w})\nnet = {build}\nnet.load_state_dict(st.load_file(\"{file}\"), strict=False)\nnet.eval()",
            w = c.hidden.first().copied().unwrap_or_default()
        ),
        _ => format!("net = {build}\nnet.load_state_dict(st.load_file(\"{file}\"))\nnet.eval()"),
    };
    match module {
        Some(m) => format!("{head}\n\n{m}\n\n{load}"),
        None => format!("{head}\n{load}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::network::BowConfig;

    #[test]
    fn lines_follow_the_kind_and_shape() {
        let mlp: Architecture = MlpConfig {
            hidden: vec![32, 16],
            ..MlpConfig::teacher(64, 10)
        }
        .into();
        let lines = torch_lines(&mlp, "s.safetensors");
        assert!(
            lines.contains(
                "nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 10)"
            ),
            "{lines}"
        );
        let factorized: Architecture = MlpConfig {
            hidden: vec![32],
            activation: Activation::Tanh,
            ranks: vec![8, 0],
            ..MlpConfig::teacher(64, 10)
        }
        .into();
        let lines = torch_lines(&factorized, "s.safetensors");
        assert!(
            lines.contains(
                "nn.Sequential(nn.Linear(64, 8, bias=False), nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 10))"
            ),
            "{lines}"
        );
        let bow: Architecture = BowConfig {
            hidden: vec![24],
            ..BowConfig::student(500, 64, 3)
        }
        .into();
        let lines = torch_lines(&bow, "s.safetensors");
        assert!(
            lines.contains("class Bow") && lines.contains("Bow(500, 32, [24], 3)"),
            "{lines}"
        );
    }
}
