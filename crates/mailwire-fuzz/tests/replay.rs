//! Replays the committed fuzz corpus (`fuzz/corpus/TARGET/*`) through the
//! same checks the fuzz targets run, on stable, as part of `cargo test`.

use std::path::PathBuf;

fn corpus_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus")
}

#[test]
fn every_target_has_a_corpus_and_a_fuzz_target_file() {
    let root = corpus_root();
    for (name, _) in mailwire_fuzz::targets() {
        let dir = root.join(name);
        let count = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("corpus {dir:?}: {e}"))
            .count();
        assert!(count > 0, "corpus of {name} is empty");
        let target = root.join("../fuzz_targets").join(format!("{name}.rs"));
        assert!(target.exists(), "no fuzz target file {target:?}");
    }
}

#[test]
fn replay_corpus() {
    let root = corpus_root();
    let mut replayed = 0;
    for entry in std::fs::read_dir(&root).expect("fuzz/corpus exists") {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let check = mailwire_fuzz::target(&name)
            .unwrap_or_else(|| panic!("corpus dir {name} has no registered target"));
        for file in std::fs::read_dir(&dir).unwrap() {
            let path = file.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let result = std::panic::catch_unwind(|| check(&data));
            assert!(result.is_ok(), "{name}: {path:?} panicked");
            replayed += 1;
        }
    }
    assert!(replayed > 0);
}
