// `detail` is an image setting: other media types do not have it.
use promptfn::{Audio, Detail};

fn main() {
    let _ = Audio::url("https://example.com/a.mp3").detail(Detail::High);
}
