//! A link carries a student in its fragment, and anyone can edit a link: 1,000 damaged and
//! forged weights fields must each give a reason or a valid student, never a panic, and the
//! settings beside them are read as always. A damaged field (one character changed) is refused
//! (the checksum sees it), unless the character held only padding bits of a stored deflate
//! block: then it is the same student.

use std::io::Write;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use burn::tensor::Device;
use distill_playground::app::Settings;
use distill_playground::app::student_link::{decode, encode, split_hash};
use distill_playground::engine::network::MlpConfig;
use distill_playground::engine::weights::NetworkWeights;
use proptest::prelude::*;

fn field() -> String {
    let net = MlpConfig {
        hidden: vec![6, 5],
        ..MlpConfig::student(8, 3)
    }
    .init(&Device::flex(), 3)
    .unwrap();
    encode(&NetworkWeights::from_network(&net.into()).unwrap()).unwrap()
}

/// A field packed from any body, so forged headers reach the checks behind the deflate.
fn packed(body: &[u8]) -> String {
    let mut d = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    d.write_all(body).unwrap();
    URL_SAFE_NO_PAD.encode(d.finish().unwrap())
}

fn forged(arch: &str, declared_len: u32, weight_bytes: usize) -> Vec<u8> {
    let mut body = b"DPS1".to_vec();
    body.extend_from_slice(&declared_len.to_le_bytes());
    body.extend_from_slice(arch.as_bytes());
    body.extend(std::iter::repeat_n(0x3c, weight_bytes));
    // A valid checksum, so the forgery reaches the checks behind it.
    let mut crc = flate2::Crc::new();
    crc.update(&body);
    body.extend_from_slice(&crc.sum().to_le_bytes());
    body
}

/// What a decoded student must be: one the engine builds.
fn accept(result: Result<NetworkWeights, distill_playground::app::student_link::LinkError>) {
    match result {
        Ok(w) => {
            w.to_network(&Device::flex())
                .expect("an accepted student builds");
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

const ARCHS: [&str; 5] = [
    r#"{"kind":"mlp","inputs":8,"hidden":[6,5],"classes":3}"#,
    r#"{"kind":"mlp","inputs":8,"hidden":[4000,4000],"classes":3}"#,
    r#"{"kind":"mlp","inputs":0,"hidden":[],"classes":0}"#,
    r#"{"kind":"transformer","vocab":9,"max_len":4,"width":4,"heads":2,"blocks":1,"ff":8,"classes":2}"#,
    r#"{"kind":"nonsense"}"#,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn damaged_or_forged_fields_are_refused_or_valid(
        case in 0usize..5,
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        junk in "[A-Za-z0-9_=&#%-]{0,64}",
        arch in 0usize..ARCHS.len(),
        len_delta in -8i64..8,
        weight_bytes in 0usize..400,
    ) {
        let good = field();
        let text = match case {
            // One character changed, one cut, junk inserted.
            0 => { let mut b = good.clone().into_bytes(); let i = at.index(b.len()); b[i] = b"A-_z9"[byte as usize % 5]; String::from_utf8(b).unwrap() }
            1 => good[..at.index(good.len())].to_string(),
            2 => { let i = at.index(good.len()); format!("{}{junk}{}", &good[..i], &good[i..]) }
            // Forged bodies behind a valid deflate and base64.
            3 => {
                let a = ARCHS[arch];
                let len = (a.len() as i64 + len_delta).max(0) as u32;
                packed(&forged(a, len, weight_bytes))
            }
            _ => junk.clone(),
        };
        let decoded = decode(&text);
        if case == 0 && text != good && let Ok(w) = &decoded {
            prop_assert!(*w == decode(&good).unwrap(), "a changed character gave another student");
        }
        accept(decoded);
        // T comes after the junk, which may set T itself ("T=1&"): the last field wins.
        let link = format!("#{junk}&T=2&weights={text}");
        let (settings, weights) = split_hash(&link);
        // An '&' ends the field, as it ends any link field.
        if !text.contains('&') {
            prop_assert_eq!(weights, Some(text.as_str()));
        }
        let (read, _ignored) = Settings::from_hash(&settings);
        prop_assert_eq!(read.temperature, 2.0);
    }
}

/// Every single character changed, at every position, to each of five others: refused, or
/// (where the character held only a stored block's padding bits) the very same student.
#[test]
fn every_changed_character_is_refused_or_changes_nothing() {
    let good = field();
    let original = decode(&good).unwrap();
    for i in 0..good.len() {
        for &c in b"A-_z9" {
            let mut b = good.clone().into_bytes();
            if b[i] == c {
                continue;
            }
            b[i] = c;
            let text = String::from_utf8(b).unwrap();
            match decode(&text) {
                Err(_) => {}
                // The padding bits of a stored deflate block carry nothing: the same student.
                Ok(w) => assert!(
                    w == original,
                    "position {i} to {}: another student",
                    c as char
                ),
            }
        }
    }
}

#[test]
fn the_right_size_of_forged_weights_is_a_student() {
    // 8·6+6 + 6·5+5 + 5·3+3 = 107 parameters, two bytes each.
    let body = forged(ARCHS[0], ARCHS[0].len() as u32, 214);
    let w = decode(&packed(&body)).unwrap();
    assert_eq!(w.tensors.values().map(Vec::len).sum::<usize>(), 107);
    let err = decode(&packed(&forged(ARCHS[1], ARCHS[1].len() as u32, 10))).unwrap_err();
    assert!(err.to_string().contains("a link holds at most"), "{err}");
    let err = decode(&packed(&forged(ARCHS[0], ARCHS[0].len() as u32, 212))).unwrap_err();
    assert!(
        err.to_string()
            .contains("holds 212 bytes of weights; its architecture needs 214"),
        "{err}"
    );
}
