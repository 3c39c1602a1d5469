fn main() {
    swarmdeck_app::prefer_cpu_compositing();
    swarmdeck_app::run()
}
