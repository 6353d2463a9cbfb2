//! Users' own CSV files: read with every problem named by line and column, standardised, split.

use distill_playground::engine::data::parse_own_csv;

/// 30 rows of two features and a named label, with a quoted field and blank lines.
fn good() -> String {
    let mut text = String::from("width,\"height\",species\n");
    for i in 0..30 {
        let class = ["setosa", "versicolor", "virginica"][i % 3];
        text.push_str(&format!(
            "{},{},{class}\n",
            i as f32 * 0.5,
            10.0 + (i % 3) as f32
        ));
        if i == 7 {
            text.push('\n');
        }
    }
    text
}

fn err(text: &str, label: Option<&str>) -> String {
    parse_own_csv("mine", text.as_bytes(), label, 1)
        .unwrap_err()
        .to_string()
}

#[test]
fn a_good_file_is_standardised_and_split() {
    let d = parse_own_csv("mine", good().as_bytes(), None, 1).unwrap();
    assert_eq!(d.feature_names, ["width", "height"]);
    assert_eq!(d.label_name, "species");
    assert_eq!(d.class_names, ["setosa", "versicolor", "virginica"]);
    assert_eq!((d.split.train.len(), d.split.test.len()), (24, 6));
    assert_eq!((d.split.train.dim, d.split.train.classes), (2, 3));
    for c in 0..2 {
        let col: Vec<f32> = d
            .split
            .train
            .features
            .iter()
            .skip(c)
            .step_by(2)
            .copied()
            .collect();
        let mean = col.iter().sum::<f32>() / col.len() as f32;
        let var = col.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / col.len() as f32;
        assert!(
            mean.abs() < 1e-5 && (var - 1.0).abs() < 1e-4,
            "column {c}: {mean} {var}"
        );
    }
    // The same seed, the same split; another seed, another.
    let again = parse_own_csv("mine", good().as_bytes(), None, 1).unwrap();
    let other = parse_own_csv("mine", good().as_bytes(), None, 2).unwrap();
    assert_eq!(again.split.test.features, d.split.test.features);
    assert_ne!(other.split.test.features, d.split.test.features);
}

#[test]
fn the_label_column_is_found_by_name_or_is_the_last() {
    let text = "label,a,b\n".to_string()
        + &(0..12)
            .map(|i| format!("{},{i},{}\n", i % 2, i * 2))
            .collect::<String>();
    let d = parse_own_csv("mine", text.as_bytes(), None, 1).unwrap();
    assert_eq!((d.label_name.as_str(), d.feature_names.len()), ("label", 2));
    let d = parse_own_csv("mine", text.as_bytes(), Some("B"), 1).unwrap();
    assert_eq!(d.label_name, "b");
    assert!(
        err(&text, Some("colour"))
            .contains("line 1: no column is named 'colour' (the columns: 'label', 'a', 'b')")
    );
    // Numeric labels are ordered as numbers: 2 before 10.
    let numeric = "x,y\n".to_string()
        + &(0..12)
            .map(|i| format!("{i},{}\n", [10, 2][i % 2]))
            .collect::<String>();
    assert_eq!(
        parse_own_csv("n", numeric.as_bytes(), None, 1)
            .unwrap()
            .class_names,
        ["2", "10"]
    );
}

#[test]
fn every_problem_names_its_line_and_column() {
    let g = good();
    let with_line = |n: usize, line: &str| {
        let mut lines: Vec<&str> = g.lines().collect();
        lines[n] = line;
        lines.join("\n")
    };
    assert!(err(&with_line(3, "1,2"), None).contains("line 4: 2 fields, but the header has 3"));
    assert!(
        err(&with_line(5, "1,tall,setosa"), None)
            .contains("line 6, column 'height': 'tall' is not a number")
    );
    assert!(
        err(&with_line(2, "NaN,1,setosa"), None)
            .contains("line 3, column 'width': 'NaN' is not a finite number")
    );
    assert!(
        err(&with_line(2, "1,inf,setosa"), None)
            .contains("column 'height': 'inf' is not a finite number")
    );
    assert!(
        err(&with_line(4, "1,2,"), None).contains("line 5, column 'species': the label is empty")
    );
    let one = "a,b\n".to_string() + &"1,x\n".repeat(12);
    assert!(err(&one, None).contains("column 'b': one class only ('x')"));
    let many = "a,id\n".to_string() + &(0..60).map(|i| format!("1,{i}\n")).collect::<String>();
    assert!(err(&many, None).contains("column 'id': 60 classes; the page takes at most 50"));
    let big = "a,b\n".to_string()
        + &(0..50_001)
            .map(|i| format!("{i},{}\n", i % 2))
            .collect::<String>();
    assert!(err(&big, None).contains("line 50002: more than 50000 rows"));
    assert!(err("a,b\n1,2\n", None).contains("1 rows; the page needs at least 10"));
    assert!(err("", None).contains("at least one feature column"));
    assert!(err("only\n1\n", None).contains("at least one feature column"));
}

/// Files a stranger could drop on the page: a header of 8 million columns is refused before a
/// field is copied, and a 30 MB field is quoted in 40 characters with its length.
#[test]
fn hostile_files_get_short_errors_at_once() {
    let wide = "c,".repeat(8_000_000) + "label\n1\n";
    let e = err(&wide, None);
    assert!(e.contains("line 1: more than 1025 columns"), "{e}");
    // Quoted commas are not columns.
    let quoted = format!("\"{}\",label\n", ",".repeat(5000)) + &"1,a\n1,b\n".repeat(6);
    let names = parse_own_csv("q", quoted.as_bytes(), None, 1)
        .unwrap()
        .feature_names;
    assert_eq!(names[0].len(), 5000);

    let field = "9".repeat(15_000_000) + "x";
    let huge = format!("a,label\n{field},1\n") + &"1,0\n".repeat(12);
    let e = err(&huge, None);
    assert!(
        e.len() < 200 && e.contains("(15000001 characters) is not a number"),
        "{e}"
    );
    let names: Vec<String> = (0..1000).map(|i| format!("column{i}")).collect();
    let header = names.join(",") + "\n" + &"1,".repeat(999) + "1\n";
    let e = err(&header, Some("missing"));
    assert!(e.len() < 400 && e.contains("and 992 more"), "{e}");
}
