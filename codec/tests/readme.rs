//! The broker loop quoted in README.md is `examples/minimal_broker.rs`, byte for byte, and the
//! line count the README gives is the file's.

#[test]
fn readme_quotes_the_minimal_broker_verbatim() {
    let readme = include_str!("../README.md");
    let example = include_str!("../examples/minimal_broker.rs");
    let quoted = format!("```rust\n{example}```");
    assert!(
        readme.contains(&quoted),
        "README.md no longer quotes examples/minimal_broker.rs verbatim"
    );
    let lines = example.lines().count();
    assert!(
        readme.contains(&format!("({lines} lines)")),
        "README.md gives the wrong line count (the file has {lines})"
    );
}
