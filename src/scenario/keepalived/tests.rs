use super::*;

#[test]
fn dump_seeds() {
    for e in std::fs::read_dir("fixtures/seeds").unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "conf") {
            match parse_file(&p) {
                Ok(c) => { for w in &c.warnings { println!("{}: {}", w.span, w.message); } println!("{:#?}", c.instances.first()); }
                Err(e) => println!("ERR {e}"),
            }
        }
    }
}
