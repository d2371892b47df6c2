// `embed_migrations!` reads the migration folders at compile time, but cargo
// does not know that: without these lines a new migration is silently left
// out of the binary until something else triggers a rebuild.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations/postgres");
    println!("cargo:rerun-if-changed=../../migrations/sqlite");
    println!("cargo:rerun-if-changed=build.rs");
}
