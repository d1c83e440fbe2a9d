fn main() { print!("{}", insight::indicators::markdown()); }
