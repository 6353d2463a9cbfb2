//! The page's files as the tests serve them: read from the repository, one of them gone or
//! swapped for other bytes; and a teacher other than the one they ship.

type Served = std::future::Ready<Result<Vec<u8>, String>>;

/// A file the page fetches (a path under the site's root), from the repository.
pub fn served(path: String) -> Served {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(&path);
    std::future::ready(std::fs::read(file).map_err(|e| format!("{path}: {e}")))
}

/// The files as served, except `file`, which answers 404.
pub fn without(file: &str) -> impl Fn(String) -> Served + '_ {
    move |path: String| match path.ends_with(file) {
        true => std::future::ready(Err(format!("{path}: 404"))),
        false => served(path),
    }
}

/// The files as served, except `file`, which holds `bytes`.
pub fn replacing<'a>(file: &'a str, bytes: &'a [u8]) -> impl Fn(String) -> Served + 'a {
    move |path: String| match path.ends_with(file) {
        true => std::future::ready(Ok(bytes.to_vec())),
        false => served(path),
    }
}

/// Another teacher of the same shape: `teacher` with its last bias moved by 1, so its logits
/// (and its fingerprint) are not the shipped ones.
pub fn nudged(
    teacher: &distill_playground::engine::weights::NetworkWeights,
) -> distill_playground::engine::weights::NetworkWeights {
    let mut other = teacher.clone();
    if let Some((_, bias)) = other
        .tensors
        .iter_mut()
        .rev()
        .find(|(name, _)| name.ends_with("bias"))
    {
        bias[0] += 1.0;
    }
    other
}
