// A collection of media that promptfn cannot place: only Vec, arrays, slices and Option of
// media types are media arguments, since a map has no order to place its parts in.
use std::collections::HashMap;

use promptfn::{Image, Result, prompt};

#[prompt("Sort these photos: {photos}")]
async fn sort_photos(photos: HashMap<String, Image>) -> Result<String>;

fn main() {}
