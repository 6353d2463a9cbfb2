//! A small block-style YAML writer for the torchdistill recipe. Written by hand because the
//! recipe is only ever written, never read here, and serde_yaml is archived (unmaintained);
//! a tree of maps, lists and scalars is all a torchdistill config needs.

/// A YAML value with its keys in the order they were given (torchdistill's configs read top
/// to bottom: models, then train).
#[derive(Clone, Debug, PartialEq)]
pub enum Yaml {
    Map(Vec<(String, Yaml)>),
    List(Vec<Yaml>),
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
}

/// A map from `(key, value)` pairs.
pub fn map<const N: usize>(entries: [(&str, Yaml); N]) -> Yaml {
    Yaml::Map(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

pub fn s(text: impl Into<String>) -> Yaml {
    Yaml::Str(text.into())
}

pub fn n(value: impl Into<f64>) -> Yaml {
    Yaml::Num(value.into())
}

/// An f32 setting as the decimal it was typed as (0.3, not 0.30000001192092896).
pub fn decimal(v: f32) -> f64 {
    v.to_string().parse().unwrap_or(f64::from(v))
}

impl Yaml {
    /// The document, two spaces per level, ending in a newline.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.write(0, &mut out);
        out
    }

    fn write(&self, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        match self {
            Yaml::Map(entries) => {
                for (k, v) in entries {
                    out.push_str(&format!("{pad}{}:", key(k)));
                    v.after_key(indent, out);
                }
            }
            Yaml::List(items) => {
                for item in items {
                    out.push_str(&format!("{pad}-"));
                    item.after_key(indent, out);
                }
            }
            scalar => out.push_str(&format!("{pad}{}\n", scalar.scalar())),
        }
    }

    /// What follows `key:` or `-`: a nested block on the next lines, or the value inline.
    fn after_key(&self, indent: usize, out: &mut String) {
        match self {
            Yaml::Map(e) if !e.is_empty() => {
                out.push('\n');
                self.write(indent + 2, out);
            }
            Yaml::List(items) if !items.is_empty() => {
                out.push('\n');
                self.write(indent + 2, out);
            }
            Yaml::Map(_) => out.push_str(" {}\n"),
            Yaml::List(_) => out.push_str(" []\n"),
            Yaml::Null => out.push('\n'),
            scalar => out.push_str(&format!(" {}\n", scalar.scalar())),
        }
    }

    fn scalar(&self) -> String {
        match self {
            Yaml::Str(t) => format!("'{}'", t.replace('\'', "''")),
            // Whole numbers keep a ".0" only when they are not counts; YAML reads both.
            Yaml::Num(v) if v.fract() == 0.0 && v.abs() < 1e15 => format!("{}", *v as i64),
            Yaml::Num(v) => format!("{v}"),
            Yaml::Bool(b) => if *b { "True" } else { "False" }.to_string(),
            Yaml::Null => String::new(),
            Yaml::Map(_) | Yaml::List(_) => String::new(),
        }
    }
}

/// Keys are plain words here; anything else is quoted.
fn key(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        k.to_string()
    } else {
        format!("'{}'", k.replace('\'', "''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_blocks_lists_and_quotes() {
        let doc = map([
            ("a", map([("b", n(1.5)), ("c", s("it's"))])),
            (
                "list",
                Yaml::List(vec![s("x"), map([("k", Yaml::Bool(false))])]),
            ),
            ("empty", Yaml::List(vec![])),
            ("none", Yaml::Null),
            ("count", n(3)),
        ]);
        assert_eq!(
            doc.render(),
            "a:\n  b: 1.5\n  c: 'it''s'\nlist:\n  - 'x'\n  -\n    k: False\nempty: []\nnone:\ncount: 3\n"
        );
    }
}
