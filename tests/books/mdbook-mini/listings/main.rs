use std::io;
// more
fn main() {}
// ANCHOR: greet
fn greet() {
    println!("hi");
}
// ANCHOR_END: greet
