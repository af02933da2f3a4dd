//! Media parameters end to end: the exact content parts each medium × source × policy sends,
//! the aggregator's own headline request reproduced part for part, MIME detection, and every
//! combination refused before a request goes out.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use promptfn::{
    Audio, Call, Client, Detail, Error, File, Image, MediaError, MediaPolicy, MediaStyle, Mode,
    Pdf, Result, UrlHandling, Video, prompt,
};
use promptfn_tests::mock::{MockServer, Reply};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

#[prompt("Look at {m} please")]
async fn look_image(m: Image) -> Result<String>;

#[prompt("Look at {m} please")]
async fn look_audio(m: Audio) -> Result<String>;

#[prompt("Look at {m} please")]
async fn look_video(m: Video) -> Result<String>;

#[prompt("Look at {m} please")]
async fn look_pdf(m: Pdf) -> Result<String>;

#[prompt("Look at {m} please")]
async fn look_file(m: File) -> Result<String>;

/// The aggregator's "音频理解" (audio understanding) example, as a declaration.
#[prompt(
    "我发了两个文件给你, 一个是mp3, 一个是pdf, 请解读一下两个文件的内容{audio}{doc}",
    model = "gemini-2.0-flash"
)]
async fn seed_request(audio: Audio, doc: Pdf) -> Result<String>;

#[prompt("Compare {a} with {b}")]
async fn compare(a: Image, b: &Image) -> Result<String>;

#[prompt("Sort these: {photos}. Optional extra: {extra}. Pair: {pair}.")]
async fn gallery(photos: Vec<Image>, extra: Option<Image>, pair: &[Image]) -> Result<String>;

#[prompt("Describe {photo}")]
async fn describe_maybe(photo: Option<Image>) -> Result<String>;

#[prompt(system = "Our logo: {logo}", "Is {photo} on brand?")]
async fn on_brand(logo: Image, photo: Image) -> Result<bool>;

#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
struct Caption {
    text: String,
}

#[prompt("Caption {photo}", mode = "json_object")]
async fn caption(photo: Image) -> Result<Caption>;

// ---------------------------------------------------------------------------------------------
// Fixtures

#[derive(Clone, Copy, Debug, PartialEq)]
enum Medium {
    Image,
    Audio,
    Video,
    Pdf,
    File,
}

const MEDIA: [Medium; 5] = [
    Medium::Image,
    Medium::Audio,
    Medium::Video,
    Medium::Pdf,
    Medium::File,
];

fn png() -> Vec<u8> {
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec()
}
fn mp3() -> Vec<u8> {
    let mut v = b"ID3\x04\0\0\0\0\0\0\xff\xfb\x90\x64".to_vec();
    v.resize(40, 0);
    v
}
fn mp4() -> Vec<u8> {
    b"\0\0\0\x20ftypisom\0\0\x02\0isomiso2avc1mp41".to_vec()
}
fn pdf() -> Vec<u8> {
    b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n".to_vec()
}

impl Medium {
    fn bytes(self) -> Vec<u8> {
        match self {
            Self::Image => png(),
            Self::Audio => mp3(),
            Self::Video => mp4(),
            Self::Pdf => pdf(),
            Self::File => b"shopping list: milk, eggs\n".to_vec(),
        }
    }

    fn mime(self) -> &'static str {
        match self {
            Self::Image => "image/png",
            Self::Audio => "audio/mpeg",
            Self::Video => "video/mp4",
            Self::Pdf => "application/pdf",
            Self::File => "text/plain",
        }
    }

    fn file_name(self) -> &'static str {
        match self {
            Self::Image => "cat.png",
            Self::Audio => "a.mp3",
            Self::Video => "clip.mp4",
            Self::Pdf => "b.pdf",
            Self::File => "notes.txt",
        }
    }

    /// The file name `file` parts carry when the source has none.
    fn default_file_name(self) -> &'static str {
        match self {
            Self::Pdf => "document.pdf",
            _ => "file.txt",
        }
    }

    fn data_uri(self) -> String {
        format!(
            "data:{};base64,{}",
            self.mime(),
            STANDARD.encode(self.bytes())
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Source {
    Url,
    Path,
    Bytes,
    DataUri,
}

const SOURCES: [Source; 4] = [Source::Url, Source::Path, Source::Bytes, Source::DataUri];

/// Serves each fixture at `/files/<name>` with its Content-Type, and holds them on disk.
struct Files {
    server: MockServer,
    dir: PathBuf,
}

impl Files {
    async fn new(test: &str) -> Self {
        let server = MockServer::start().await;
        let dir =
            std::env::temp_dir().join(format!("promptfn-media-{}-{test}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for m in MEDIA {
            server.route(
                &format!("/files/{}", m.file_name()),
                Reply::file(m.mime(), m.bytes()),
            );
            std::fs::write(dir.join(m.file_name()), m.bytes()).unwrap();
        }
        Self { server, dir }
    }

    fn url(&self, m: Medium) -> String {
        self.server.url_of(&format!("/files/{}", m.file_name()))
    }

    fn downloads(&self) -> usize {
        self.server.requests().len()
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

macro_rules! build {
    ($ty:ident, $source:expr, $m:expr, $files:expr) => {
        match $source {
            Source::Url => $ty::url($files.url($m)),
            Source::Path => $ty::path($files.dir.join($m.file_name())),
            Source::Bytes if $m == Medium::File => $ty::bytes($m.bytes()).mime("text/plain"),
            Source::Bytes => $ty::bytes($m.bytes()),
            Source::DataUri => $ty::data_uri(&$m.data_uri()).unwrap(),
        }
    };
}

fn look(m: Medium, source: Source, files: &Files) -> Call<String> {
    match m {
        Medium::Image => look_image(build!(Image, source, m, files)),
        Medium::Audio => look_audio(build!(Audio, source, m, files)),
        Medium::Video => look_video(build!(Video, source, m, files)),
        Medium::Pdf => look_pdf(build!(Pdf, source, m, files)),
        Medium::File => look_file(build!(File, source, m, files)),
    }
}

// ---------------------------------------------------------------------------------------------
// The matrix

#[derive(Clone, Copy, Debug, PartialEq)]
enum Policy {
    /// A Gemini model with the default policy: aggregator style, URLs as they are.
    AggregatorGemini,
    /// An unrecognised model with the aggregator style set on the client, downloading every URL.
    AggregatorDownloadAll,
    /// An unrecognised model (OpenAI style by default), downloading only what must be inline.
    OpenAiDefault,
    /// OpenAI style chosen per call for a Gemini model, downloading off.
    OpenAiForward,
    /// OpenAI style, downloading every URL.
    OpenAiDownloadAll,
}

const POLICIES: [Policy; 5] = [
    Policy::AggregatorGemini,
    Policy::AggregatorDownloadAll,
    Policy::OpenAiDefault,
    Policy::OpenAiForward,
    Policy::OpenAiDownloadAll,
];

impl Policy {
    fn client(self, chat: &MockServer) -> Client {
        // The media server runs on this machine, where downloads go only when allowed.
        let builder = Client::builder()
            .base_url(chat.url())
            .api_key("sk-test")
            .allow_private_media_addresses(true);
        match self {
            Self::AggregatorDownloadAll => builder.media_policy(
                MediaPolicy::new()
                    .style(MediaStyle::Aggregator)
                    .urls(UrlHandling::DownloadAll),
            ),
            Self::OpenAiDownloadAll => builder.download_media(true).media_policy(
                MediaPolicy::new()
                    .urls(UrlHandling::DownloadAll)
                    .allow_private_addresses(true),
            ),
            _ => builder,
        }
        .build()
        .unwrap()
    }

    fn apply(self, call: Call<String>) -> Call<String> {
        match self {
            Self::AggregatorGemini => call.model("gemini-2.0-flash"),
            Self::OpenAiForward => call
                .model("google/gemini-2.5-pro")
                .media_policy(MediaPolicy::new().style(MediaStyle::OpenAi))
                .download_media(false),
            _ => call.model("local-model"),
        }
    }

    /// The part expected between "Look at " and " please", or `None` when the combination must
    /// be refused before sending.
    fn expected(self, m: Medium, source: Source, files: &Files) -> Option<Value> {
        let is_url = source == Source::Url;
        let forwarded = is_url
            && matches!(
                self,
                Self::AggregatorGemini | Self::OpenAiDefault | Self::OpenAiForward
            );
        let url_or_data = if forwarded {
            files.url(m)
        } else {
            m.data_uri()
        };
        let file_name = if matches!(source, Source::Url | Source::Path) {
            m.file_name()
        } else {
            m.default_file_name()
        };
        Some(match (self, m) {
            (Self::AggregatorGemini | Self::AggregatorDownloadAll, _) | (_, Medium::Image) => {
                json!({"type": "image_url", "image_url": {"url": url_or_data}})
            }
            (_, Medium::Video) => json!({"type": "video_url", "video_url": {"url": url_or_data}}),
            (Self::OpenAiForward, _) if is_url => return None,
            (_, Medium::Audio) => json!({"type": "input_audio", "input_audio": {
                "data": STANDARD.encode(m.bytes()), "format": "mp3"
            }}),
            (_, Medium::Pdf | Medium::File) => json!({"type": "file", "file": {
                "filename": file_name, "file_data": m.data_uri()
            }}),
        })
    }
}

#[tokio::test]
async fn every_medium_source_and_policy_sends_exactly_the_expected_parts() {
    let files = Files::new("matrix").await;
    let mut failures = Vec::new();
    let mut checked = 0;
    for policy in POLICIES {
        for m in MEDIA {
            for source in SOURCES {
                let case = format!("{policy:?} × {m:?} × {source:?}");
                let chat = MockServer::with([Reply::content("ok")]).await;
                let call = policy.apply(look(m, source, &files).client(&policy.client(&chat)));
                let result = call.await;
                checked += 1;
                match (policy.expected(m, source, &files), result) {
                    (Some(part), Ok(answer)) => {
                        assert_eq!(answer, "ok");
                        let body = &chat.bodies()[0];
                        let expected = json!([
                            {"type": "text", "text": "Look at "},
                            part,
                            {"type": "text", "text": " please"}
                        ]);
                        if body["messages"][0]["content"] != expected {
                            failures.push(format!(
                                "{case}: sent {}\nexpected {expected}",
                                body["messages"][0]["content"]
                            ));
                        }
                    }
                    (None, Err(Error::Media(e))) => {
                        if !chat.requests().is_empty() {
                            failures.push(format!("{case}: refused ({e}) but a request was sent"));
                        }
                        if !e.to_string().contains("download_media(true)") {
                            failures.push(format!("{case}: the error names no fix: {e}"));
                        }
                    }
                    (expected, result) => {
                        failures.push(format!("{case}: expected {expected:?}, got {result:?}"))
                    }
                }
            }
        }
    }
    assert_eq!(checked, 100);
    assert!(
        failures.is_empty(),
        "{} of {checked} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Downloads happen only where the policy asks: every URL under the DownloadAll policies,
    // audio, PDF and file URLs under OpenAiDefault.
    assert_eq!(files.downloads(), 5 + 5 + 3);
}

// ---------------------------------------------------------------------------------------------
// The aggregator's own example, and placement

#[tokio::test]
async fn the_aggregators_audio_and_pdf_example_is_reproduced_part_for_part() {
    let chat = MockServer::with([Reply::content("一段音频和一份PDF")]).await;
    let audio = Audio::url(
        "https://s3plus-shon.meituan.net/multimodal-eval/audio2txt/self_built/audios/202502081700/31-2.mp3",
    );
    let doc = Pdf::url(
        "https://ossfiles.szeac.com/prod/oms/default/20241129/50c7062055f4d71f7ffb1bdc1034f47c.pdf",
    );
    let answer = seed_request(audio, doc)
        .client(&chat.client())
        .await
        .unwrap();
    assert_eq!(answer, "一段音频和一份PDF");
    // The request body the aggregator documents for Gemini PDF understanding, verbatim.
    let seed = json!({
      "model": "gemini-2.0-flash",
      "messages": [
        {
          "role": "user",
          "content": [
            {
              "type": "text",
              "text": "我发了两个文件给你, 一个是mp3, 一个是pdf, 请解读一下两个文件的内容"
            },
            {
              "type": "image_url",
              "image_url": {
                "url": "https://s3plus-shon.meituan.net/multimodal-eval/audio2txt/self_built/audios/202502081700/31-2.mp3"
              }
            },
            {
              "type": "image_url",
              "image_url": {
                "url": "https://ossfiles.szeac.com/prod/oms/default/20241129/50c7062055f4d71f7ffb1bdc1034f47c.pdf"
              }
            }
          ]
        }
      ]
    });
    assert_eq!(chat.bodies()[0], seed);
    let raw = String::from_utf8(chat.requests()[0].body.clone()).unwrap();
    assert!(
        raw.starts_with(r#"{"model":"gemini-2.0-flash","messages":[{"role":"user","content":[{"type":"text","text":"#),
        "{raw}"
    );
}

#[tokio::test]
async fn a_placeholder_splits_the_text_around_its_medium() {
    let chat = MockServer::with([Reply::content("same cat")]).await;
    let b = Image::url("https://h.example/b.png").detail(Detail::High);
    compare(Image::url("https://h.example/a.png"), &b)
        .client(&chat.client())
        .await
        .unwrap();
    assert_eq!(
        chat.bodies()[0]["messages"][0]["content"],
        json!([
            {"type": "text", "text": "Compare "},
            {"type": "image_url", "image_url": {"url": "https://h.example/a.png"}},
            {"type": "text", "text": " with "},
            {"type": "image_url", "image_url": {"url": "https://h.example/b.png", "detail": "high"}}
        ])
    );
}

#[tokio::test]
async fn vecs_options_and_slices_place_each_element_in_order() {
    let chat = MockServer::with([Reply::content("ok")]).await;
    let img = |n: u32| Image::url(format!("https://h.example/{n}.png"));
    let part = |n: u32| json!({"type": "image_url", "image_url": {"url": format!("https://h.example/{n}.png")}});
    let pair = [img(4), img(5)];
    gallery(vec![img(1), img(2)], Some(img(3)), &pair)
        .client(&chat.client())
        .await
        .unwrap();
    assert_eq!(
        chat.bodies()[0]["messages"][0]["content"],
        json!([
            {"type": "text", "text": "Sort these: "},
            part(1),
            part(2),
            {"type": "text", "text": ". Optional extra: "},
            part(3),
            {"type": "text", "text": ". Pair: "},
            part(4),
            part(5),
            {"type": "text", "text": "."}
        ])
    );
}

#[tokio::test]
async fn a_message_left_with_only_text_is_still_a_plain_string() {
    let chat = MockServer::with([Reply::content("nothing")]).await;
    describe_maybe(None).client(&chat.client()).await.unwrap();
    assert_eq!(
        chat.bodies()[0]["messages"][0],
        json!({"role": "user", "content": "Describe "})
    );
}

#[tokio::test]
async fn re_asks_reuse_the_media_resolved_once() {
    let files = Files::new("reask").await;
    let chat = MockServer::with([
        Reply::content("not json"),
        Reply::content(r#"{"text": "a cat"}"#),
    ])
    .await;
    let value = caption(Image::url(files.url(Medium::Image)))
        .client(&chat.client())
        .download_media(true)
        .media_policy(
            MediaPolicy::new()
                .urls(UrlHandling::DownloadAll)
                .allow_private_addresses(true),
        )
        .await
        .unwrap();
    assert_eq!(
        value,
        Caption {
            text: "a cat".into()
        }
    );
    let bodies = chat.bodies();
    assert_eq!(bodies.len(), 2);
    let image = json!({"type": "image_url", "image_url": {"url": Medium::Image.data_uri()}});
    for body in &bodies {
        assert_eq!(body["messages"][0]["content"][1], image);
    }
    // The structured-output instruction is appended as a text part after the image.
    assert_eq!(bodies[0]["messages"][0]["content"][2]["type"], "text");
    assert_eq!(files.downloads(), 1);
}

// ---------------------------------------------------------------------------------------------
// MIME types

#[tokio::test]
async fn magic_bytes_name_the_mime_type_of_bytes() {
    let client = MockServer::start().await.client();
    let cases: Vec<(Call<String>, &str)> = vec![
        (look_image(Image::bytes(png())), "image/png"),
        (
            look_image(Image::bytes(b"\xff\xd8\xff\xe0\0\x10JFIF\0".to_vec())),
            "image/jpeg",
        ),
        (
            look_image(Image::bytes(&b"GIF89a\x01\0\x01\0\0\0"[..])),
            "image/gif",
        ),
        (
            look_image(Image::bytes(&b"RIFF\x24\0\0\0WEBPVP8 "[..])),
            "image/webp",
        ),
        (look_audio(Audio::bytes(mp3())), "audio/mpeg"),
        (
            look_audio(Audio::bytes(&b"RIFF\x24\x08\0\0WAVEfmt "[..])),
            "audio/wav",
        ),
        (look_video(Video::bytes(mp4())), "video/mp4"),
        (look_pdf(Pdf::bytes(pdf())), "application/pdf"),
    ];
    for (call, mime) in cases {
        let body = call
            .client(&client)
            .model("local-model")
            .media_policy(MediaPolicy::new().style(MediaStyle::Aggregator))
            .request()
            .unwrap();
        let url = body["messages"][0]["content"][1]["image_url"]["url"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            url.starts_with(&format!("data:{mime};base64,")),
            "{mime}: {url}"
        );
    }
}

/// The data: URI an audio URL becomes when downloaded for a Gemini model.
async fn downloaded_audio_uri(url: String) -> String {
    let chat = MockServer::with([Reply::content("ok")]).await;
    look_audio(Audio::url(url))
        .client(&chat.client())
        .model("gemini-2.0-flash")
        .media_policy(
            MediaPolicy::new()
                .urls(UrlHandling::DownloadAll)
                .allow_private_addresses(true),
        )
        .await
        .unwrap();
    chat.bodies()[0]["messages"][0]["content"][1]["image_url"]["url"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn downloads_take_their_type_from_content_type_then_extension_then_bytes() {
    let files = MockServer::start().await;
    files.route("/typed", Reply::file("audio/x-wav; charset=binary", mp3()));
    files.route(
        "/untyped.mp3",
        Reply::file("application/octet-stream", b"raw".to_vec()),
    );
    files.route("/anonymous", Reply::file("application/octet-stream", mp3()));
    // The server's Content-Type wins (aliases folded: audio/x-wav is audio/wav)…
    let uri = downloaded_audio_uri(files.url_of("/typed")).await;
    assert!(uri.starts_with("data:audio/wav;base64,"), "{uri}");
    // …a generic one defers to the URL's extension…
    let uri = downloaded_audio_uri(files.url_of("/untyped.mp3")).await;
    assert_eq!(
        uri,
        format!("data:audio/mpeg;base64,{}", STANDARD.encode("raw"))
    );
    // …and without one, to the magic bytes.
    let uri = downloaded_audio_uri(files.url_of("/anonymous")).await;
    assert!(uri.starts_with("data:audio/mpeg;base64,"), "{uri}");
}

#[tokio::test]
async fn an_explicit_mime_beats_detection_and_files_route_by_their_type() {
    let chat = MockServer::start().await;
    let client = chat.client();
    let body = look_audio(Audio::bytes(b"\x01\x02\x03".to_vec()).mime("audio/wav"))
        .client(&client)
        .model("gpt-4o-audio-preview")
        .request()
        .unwrap();
    assert_eq!(
        body["messages"][0]["content"][1],
        json!({"type": "input_audio", "input_audio": {"data": "AQID", "format": "wav"}})
    );
    // A data: URI given as a URL is sent inline like one given to `data_uri`.
    let as_url = look_image(Image::url(Medium::Image.data_uri()))
        .client(&client)
        .request()
        .unwrap();
    let as_data_uri = look_image(Image::data_uri(&Medium::Image.data_uri()).unwrap())
        .client(&client)
        .request()
        .unwrap();
    assert_eq!(as_url, as_data_uri);
    assert_eq!(
        as_url["messages"][0]["content"][1]["image_url"]["url"],
        Medium::Image.data_uri()
    );
    // A File holding an image is sent as an image.
    let body = look_file(File::bytes(png()))
        .client(&client)
        .model("gpt-4o")
        .request()
        .unwrap();
    assert_eq!(body["messages"][0]["content"][1]["type"], "image_url");
    // A named PDF keeps its name in OpenAI `file` parts.
    let body = look_pdf(Pdf::bytes(pdf()).filename("q3-report.pdf"))
        .client(&client)
        .model("gpt-4o")
        .request()
        .unwrap();
    assert_eq!(
        body["messages"][0]["content"][1]["file"]["filename"],
        "q3-report.pdf"
    );
    // Gemini spells QuickTime `video/mov`.
    let body = look_video(Video::bytes(b"\0\0\0\x14ftypqt  \0\0\0\0".to_vec()))
        .client(&client)
        .model("gemini-2.0-flash")
        .request()
        .unwrap();
    assert!(
        body["messages"][0]["content"][1]["image_url"]["url"]
            .as_str()
            .unwrap()
            .starts_with("data:video/mov;base64,")
    );
}

// ---------------------------------------------------------------------------------------------
// Refused before sending

fn media_error(result: Result<impl std::fmt::Debug>) -> MediaError {
    match result {
        Err(Error::Media(e)) => *e,
        other => panic!("expected a media error, got {other:?}"),
    }
}

#[tokio::test]
async fn combinations_a_family_cannot_take_are_refused_before_sending() {
    let chat = MockServer::start().await;
    let client = chat.client();
    let ogg = b"OggS\0\x02\0\0\0\0\0\0\0\0".to_vec();

    let e = media_error(
        look_audio(Audio::bytes(ogg.clone()))
            .client(&client)
            .model("gemini-2.0-flash")
            .await,
    );
    assert!(matches!(&e, MediaError::Unsupported { mime: Some(m), .. } if m == "audio/ogg"));
    assert!(e.to_string().contains("Gemini takes only"), "{e}");
    assert!(e.to_string().contains("convert it"), "{e}");

    let e = media_error(
        look_audio(Audio::url("https://h.example/a.mp3"))
            .client(&client)
            .model("claude-3-5-sonnet-latest")
            .await,
    );
    assert!(e.to_string().contains("images and PDFs only"), "{e}");

    let e = media_error(
        look_video(Video::url("https://h.example/c.mp4"))
            .client(&client)
            .model("gpt-4o")
            .await,
    );
    assert!(e.to_string().contains("no video"), "{e}");

    let e = media_error(
        look_audio(Audio::bytes(ogg))
            .client(&client)
            .model("local-model")
            .await,
    );
    assert!(e.to_string().contains("wav and mp3 only"), "{e}");

    let e = media_error(
        look_audio(Audio::url("https://h.example/a.mp3"))
            .client(&client)
            .model("gpt-4o-audio-preview")
            .download_media(false)
            .await,
    );
    assert_eq!(
        e.to_string(),
        "`gpt-4o-audio-preview` cannot take the audio at https://h.example/a.mp3: in the OpenAI \
         style audio goes in `input_audio` parts, which hold base64 data only, and downloading is \
         off; allow it with `.download_media(true)`, pass the content with \
         `Audio::path`/`Audio::bytes`, or choose `MediaStyle::Aggregator` if the server fetches \
         URLs itself"
    );
    assert!(chat.requests().is_empty());
}

#[tokio::test]
async fn content_that_is_not_what_it_was_declared_as_is_refused() {
    let chat = MockServer::start().await;
    let client = chat.client();
    let e = media_error(look_image(Image::bytes(pdf())).client(&client).await);
    assert!(
        matches!(
            &e,
            MediaError::WrongKind {
                suggestion: "Pdf",
                ..
            }
        ),
        "{e:?}"
    );
    let e = media_error(
        look_audio(Audio::bytes(b"\x01\x02\x03".to_vec()))
            .client(&client)
            .await,
    );
    assert_eq!(
        e.to_string(),
        "cannot tell the MIME type of the audio bytes (3 bytes): give it with `.mime(\"…\")` \
         (e.g. `audio/wav`)"
    );
    let files = MockServer::start().await;
    files.route(
        "/login",
        Reply::file("text/html", b"<html>sign in</html>".to_vec()),
    );
    let e = media_error(
        look_image(Image::url(files.url_of("/login")))
            .client(&client)
            .media_policy(
                MediaPolicy::new()
                    .urls(UrlHandling::DownloadAll)
                    .allow_private_addresses(true),
            )
            .await,
    );
    assert!(e.to_string().contains("`text/html`, not an image"), "{e}");
    let e = media_error(
        look_pdf(Pdf::path("/nonexistent/promptfn/report.pdf"))
            .client(&client)
            .await,
    );
    assert!(matches!(e, MediaError::Unreadable { .. }));
    assert!(
        e.to_string().contains("/nonexistent/promptfn/report.pdf"),
        "{e}"
    );
    let e = Image::data_uri("data:image/png;base64,!!!").unwrap_err();
    assert!(e.to_string().contains("data:<mime>;base64,<data>"), "{e}");
    let e = media_error(
        look_image(Image::url("file:///tmp/cat.png"))
            .client(&client)
            .await,
    );
    assert!(e.to_string().contains("Image::path"), "{e}");
    assert!(chat.requests().is_empty());
}

#[tokio::test]
async fn media_outside_the_user_message_is_refused() {
    let chat = MockServer::start().await;
    let e = media_error(
        on_brand(
            Image::url("https://h.example/logo.png"),
            Image::url("https://h.example/photo.png"),
        )
        .client(&chat.client())
        .await,
    );
    assert_eq!(
        e.to_string(),
        "the image at https://h.example/logo.png is placed in a system message, which can hold \
         text only; move its placeholder to the user message"
    );
    assert!(chat.requests().is_empty());
}

#[prompt("Count the cats in {m}")]
async fn count_cats(m: Image) -> Result<u32>;

/// The image data: URI of the first message of a chat-completion request body.
fn sent_image(body: &Value) -> String {
    body["messages"][0]["content"][1]["image_url"]["url"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_local_file_is_read_once_and_bounded_by_its_size() {
    let dir = std::env::temp_dir().join(format!("promptfn-media-once-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cat, other, link) = (
        dir.join("cat.png"),
        dir.join("other.png"),
        dir.join("link.png"),
    );
    std::fs::write(&cat, Medium::Image.bytes()).unwrap();
    let mut different = Medium::Image.bytes();
    different.extend([7u8; 64]);
    std::fs::write(&other, &different).unwrap();
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&cat, &link).unwrap();

    // The link is pointed elsewhere while the first answer (not a number) is on its way, so
    // the re-ask would send other content if the file were read again.
    let swap = (link.clone(), other.clone());
    let chat = promptfn_tests::fault::FaultServer::start(move |index, _| {
        if index == 0 {
            let _ = std::fs::remove_file(&swap.0);
            std::os::unix::fs::symlink(&swap.1, &swap.0).unwrap();
            promptfn_tests::fault::Fault::Answer("many".into())
        } else {
            promptfn_tests::fault::Fault::Answer("3".into())
        }
    })
    .await;
    let client = chat.builder().build().unwrap();
    let cats = count_cats(Image::path(&link))
        .client(&client)
        .await
        .unwrap();
    assert_eq!(cats, 3);
    let sent: Vec<String> = chat
        .requests()
        .iter()
        .map(|r| sent_image(&r.json()))
        .collect();
    assert_eq!(sent.len(), 2);
    assert!(
        sent[0].ends_with(&STANDARD.encode(Medium::Image.bytes())),
        "{}",
        sent[0]
    );
    assert_eq!(
        sent[1], sent[0],
        "the re-ask sends what was read the first time"
    );

    // A file that reports no size (as /proc files do) is read up to the download cap, no more.
    let e = media_error(
        count_cats(Image::path("/proc/self/status").mime("image/png"))
            .client(&client)
            .max_media_download(16)
            .await,
    );
    assert!(
        matches!(
            e,
            MediaError::TooLarge {
                limit: 16,
                size: None,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("`.max_media_download(…)`"), "{e}");
    assert_eq!(chat.count(), 2, "nothing more was sent");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A client of `chat` whose media downloads may reach this machine, where the tests' media
/// servers run (downloads refuse loopback unless allowed).
fn downloading_client(chat: &MockServer) -> Client {
    Client::builder()
        .base_url(chat.url())
        .api_key("sk-test-key")
        .model("mock-model")
        .max_attempts(1)
        .allow_private_media_addresses(true)
        .build()
        .unwrap()
}

#[tokio::test]
async fn downloads_refuse_this_machine_and_its_networks_unless_allowed() {
    let chat = MockServer::with([Reply::content("ok")]).await;
    let files = MockServer::start().await;
    files.route(
        "/admin/keys.png",
        Reply::file("image/png", Medium::Image.bytes()),
    );
    let port = files.addr().port();
    let download_all = MediaPolicy::new().urls(UrlHandling::DownloadAll);
    for url in [
        files.url_of("/admin/keys.png"),
        format!("http://localhost:{port}/admin/keys.png"),
        format!("http://[::ffff:127.0.0.1]:{port}/admin/keys.png"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://10.0.0.1/internal.png".to_owned(),
    ] {
        let e = media_error(
            look_image(Image::url(url.clone()))
                .client(&chat.client())
                .media_policy(download_all)
                .await,
        );
        let shown = e.to_string();
        assert!(matches!(e, MediaError::Download { .. }), "{e:?}");
        assert!(
            shown.contains(" address, and media downloads go to public addresses only"),
            "{shown}"
        );
        assert!(shown.contains("allow_private_addresses(true)"), "{shown}");
    }
    assert!(files.requests().is_empty(), "nothing was fetched");
    assert!(chat.requests().is_empty(), "nothing was sent");

    // Allowed per call or per client, the same download goes through.
    look_image(Image::url(files.url_of("/admin/keys.png")))
        .client(&chat.client())
        .media_policy(download_all.allow_private_addresses(true))
        .await
        .unwrap();
    chat.push(Reply::content("ok"));
    look_image(Image::url(format!(
        "http://localhost:{port}/admin/keys.png"
    )))
    .client(&downloading_client(&chat))
    .media_policy(download_all)
    .await
    .unwrap();
    assert_eq!(files.requests().len(), 2);
}

#[tokio::test]
async fn downloads_are_bounded_in_size_and_time_and_report_http_errors() {
    let chat = MockServer::start().await;
    let client = downloading_client(&chat);
    let files = MockServer::start().await;
    files.route("/big.pdf", Reply::file("application/pdf", vec![b'%'; 4096]));
    files.route(
        "/missing.pdf",
        Reply::status(404, json!({"error": "not found"})),
    );
    files.route(
        "/slow.pdf",
        Reply::Delayed(
            Duration::from_secs(30),
            Box::new(Reply::file("application/pdf", pdf())),
        ),
    );

    let e = media_error(
        look_pdf(Pdf::url(files.url_of("/big.pdf")))
            .client(&client)
            .max_media_download(1024)
            .await,
    );
    assert!(
        matches!(
            &e,
            MediaError::TooLarge {
                limit: 1024,
                size: Some(4096),
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!(
            "the PDF at {} is larger than the download cap of 1024 bytes (4096 bytes); raise the \
             cap with `.max_media_download(…)`, or pass the content with `Pdf::path` or `Pdf::bytes`",
            files.url_of("/big.pdf")
        )
    );

    let e = media_error(
        look_pdf(Pdf::url(files.url_of("/missing.pdf")))
            .client(&client)
            .await,
    );
    assert!(e.to_string().contains("HTTP 404"), "{e}");
    // Where the target takes URLs, sending it as it is is the other way out.
    let e = media_error(
        look_image(Image::url(files.url_of("/missing.png")))
            .client(&client)
            .media_policy(
                MediaPolicy::new()
                    .urls(UrlHandling::DownloadAll)
                    .allow_private_addresses(true),
            )
            .await,
    );
    assert!(
        e.to_string()
            .ends_with("send it as it is with `.download_media(false)`"),
        "{e}"
    );

    let e = media_error(
        look_pdf(Pdf::url(files.url_of("/slow.pdf")))
            .client(&client)
            .media_download_timeout(Duration::from_millis(200))
            .await,
    );
    assert!(e.to_string().contains("did not arrive within 200ms"), "{e}");
    assert!(chat.requests().is_empty());
}

#[tokio::test]
async fn request_shows_media_but_never_downloads() {
    let client = MockServer::start().await.client();
    let body = look_image(Image::url("https://h.example/a.png"))
        .client(&client)
        .request()
        .unwrap();
    assert_eq!(
        body["messages"][0]["content"][1],
        json!({"type": "image_url", "image_url": {"url": "https://h.example/a.png"}})
    );
    let err = look_audio(Audio::url("https://h.example/a.mp3"))
        .client(&client)
        .request()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("`request()` does not download media"),
        "{err}"
    );

    // A PDF URL cannot go as it is in the OpenAI style: the hint names what does work, and
    // following it gives a body.
    let err = look_pdf(Pdf::url("https://h.example/a.pdf"))
        .client(&client)
        .request()
        .unwrap_err()
        .to_string();
    assert!(!err.contains("download_media"), "{err}");
    assert!(err.contains("`Pdf::bytes`"), "{err}");
    assert!(err.contains("MediaStyle::Aggregator"), "{err}");
    let body = look_pdf(Pdf::url("https://h.example/a.pdf"))
        .client(&client)
        .media_policy(MediaPolicy::new().style(MediaStyle::Aggregator))
        .request()
        .unwrap();
    assert!(
        body.to_string().contains("https://h.example/a.pdf"),
        "{body}"
    );
    look_pdf(Pdf::bytes(pdf()))
        .client(&client)
        .request()
        .unwrap();
}

#[tokio::test]
async fn structured_modes_keep_working_with_media() {
    let chat = MockServer::with([Reply::tool_call("answer", r#"{"text":"a cat"}"#)]).await;
    let value = caption(Image::bytes(png()))
        .client(&chat.client())
        .model("claude-3-5-sonnet-latest")
        .mode(Mode::Tool)
        .await
        .unwrap();
    assert_eq!(value.text, "a cat");
    let body = &chat.bodies()[0];
    assert_eq!(
        body["messages"][0]["content"][1],
        json!({"type": "image_url", "image_url": {"url": Medium::Image.data_uri()}})
    );
    assert_eq!(body["tool_choice"]["function"]["name"], "answer");
}
