fn main() {
    swarmdeck_app::run()
}
