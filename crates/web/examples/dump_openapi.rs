fn main() {
    print!("{}", web::routes::api::document());
}
