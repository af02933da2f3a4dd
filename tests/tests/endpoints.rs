//! The endpoints a return type picks beside chat completions, against the in-process mock
//! server: the exact path and body each declaration sends, answers in the real formats
//! (floats and base64 vectors, `b64_json` and `url` images, audio bytes), the providers' error
//! bodies, batching, and the per-call settings.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use promptfn::endpoint::{EncodingFormat, RerankFormat};
use promptfn::{
    Audio, Embedding, Error, Image, MediaError, MediaSource, Moderation, Ranking, Result, Spoken,
    Transcript, prompt,
};
use promptfn_tests::mock::{MockServer, Reply};
use serde_json::{Value, json};

#[prompt("{text}", model = "text-embedding-3-small")]
async fn embed(text: &str) -> Result<Embedding>;

#[prompt(
    "{texts}",
    model = "text-embedding-3-small",
    dimensions = 3,
    batch_size = 2
)]
async fn embed_all(texts: &[String]) -> Result<Vec<Embedding>>;

#[prompt(
    "A watercolor of {subject}",
    model = "dall-e-3",
    size = "1024x1024",
    quality = "hd",
    style = "vivid"
)]
async fn paint(subject: &str) -> Result<Image>;

#[prompt(
    "Icons of {theme}",
    model = "gpt-image-1",
    n = 2,
    background = "transparent",
    format = "webp"
)]
async fn icons(theme: &str) -> Result<Vec<Image>>;

#[prompt(
    "{text}",
    model = "gpt-4o-mini-tts",
    voice = "coral",
    speed = 1.25,
    format = "wav",
    instructions = "Speak warmly."
)]
async fn speak(text: &str) -> Result<Audio>;

#[prompt("{comment}")]
async fn moderate(comment: &str) -> Result<Moderation>;

#[prompt(
    "Names: Ana, Bo. {audio}",
    model = "whisper-1",
    language = "en",
    segments = true
)]
async fn transcribe(audio: Audio) -> Result<Transcript>;

#[prompt("{audio}", model = "whisper-1", translate = true)]
async fn translate(audio: Audio) -> Result<Transcript>;

#[prompt(
    "{query}",
    model = "jina-reranker-v2-base-multilingual",
    top_n = 2,
    return_documents = true
)]
async fn rank(query: &str, documents: &[String]) -> Result<Ranking>;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

fn embedding_answer(vectors: &[Value], usage: u64) -> Reply {
    let data: Vec<Value> = vectors
        .iter()
        .enumerate()
        .map(|(index, v)| json!({"object": "embedding", "index": index, "embedding": v}))
        .collect();
    Reply::json(json!({
        "object": "list",
        "data": data,
        "model": "text-embedding-3-small",
        "usage": {"prompt_tokens": usage, "total_tokens": usage}
    }))
}

fn texts(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn one_text_is_embedded_with_the_exact_request() {
    let server = MockServer::with([embedding_answer(&[json!([0.25, -0.5])], 4)]).await;
    let vector = embed("hello world").client(&server.client()).await.unwrap();
    assert_eq!(vector.as_slice(), &[0.25, -0.5]);
    let request = &server.requests()[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v1/embeddings");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("authorization"), Some("Bearer sk-test-key"));
    assert_eq!(
        request.json(),
        json!({"model": "text-embedding-3-small", "input": "hello world"})
    );
}

#[tokio::test]
async fn a_list_is_sent_in_batches_in_order_with_usage_summed() {
    // Out of order within a batch: the `index` puts each vector back in place.
    let first = Reply::json(json!({
        "object": "list",
        "data": [
            {"object": "embedding", "index": 1, "embedding": [2.0, 0.0, 0.0]},
            {"object": "embedding", "index": 0, "embedding": [1.0, 0.0, 0.0]}
        ],
        "model": "text-embedding-3-small",
        "usage": {"prompt_tokens": 5, "total_tokens": 5}
    }));
    let second = embedding_answer(&[json!([3.0, 0.0, 0.0])], 2);
    let server = MockServer::with([first, second]).await;
    let response = embed_all(&texts(&["a", "b", "c"]))
        .client(&server.client())
        .end_user("user-7")
        .with_meta()
        .await
        .unwrap();
    let firsts: Vec<f32> = response.value.iter().map(|e| e.as_slice()[0]).collect();
    assert_eq!(firsts, [1.0, 2.0, 3.0]);
    assert_eq!(response.requests, 2);
    assert_eq!(response.usage.unwrap().prompt_tokens, 7);
    assert_eq!(response.usage.unwrap().total_tokens, 7);
    assert_eq!(response.model.as_deref(), Some("text-embedding-3-small"));
    assert_eq!(
        server.bodies(),
        [
            json!({"model": "text-embedding-3-small", "input": ["a", "b"], "dimensions": 3, "user": "user-7"}),
            json!({"model": "text-embedding-3-small", "input": ["c"], "dimensions": 3, "user": "user-7"}),
        ]
    );
}

#[tokio::test]
async fn base64_vectors_are_decoded() {
    let floats = [0.5f32, -1.0, 2.25];
    let bytes: Vec<u8> = floats.iter().flat_map(|f| f.to_le_bytes()).collect();
    let server = MockServer::with([embedding_answer(&[json!(STANDARD.encode(bytes))], 1)]).await;
    let vector = embed("x")
        .client(&server.client())
        .encoding_format(EncodingFormat::Base64)
        .dimensions(3)
        .await
        .unwrap();
    assert_eq!(vector.as_slice(), &floats);
    assert_eq!(
        server.bodies()[0],
        json!({"model": "text-embedding-3-small", "input": "x", "dimensions": 3, "encoding_format": "base64"})
    );
}

#[tokio::test]
async fn an_empty_list_sends_nothing_and_a_short_answer_is_a_protocol_error() {
    let server = MockServer::with([embedding_answer(&[json!([1.0])], 1)]).await;
    let none = embed_all(&[]).client(&server.client()).await.unwrap();
    assert!(none.is_empty());
    assert!(server.requests().is_empty());
    let error = embed_all(&texts(&["a", "b"]))
        .client(&server.client())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Protocol { reason, .. } if reason.contains("1 vectors for 2 texts")),
        "{error:?}"
    );
}

#[tokio::test]
async fn the_providers_error_body_becomes_an_api_error() {
    let body = json!({"error": {
        "message": "This model's maximum context length is 8192 tokens",
        "type": "invalid_request_error",
        "param": "input",
        "code": null
    }});
    let server = MockServer::with([Reply::status(400, body)]).await;
    let error = embed("x").client(&server.client()).await.unwrap_err();
    let Error::Api(api) = error else {
        panic!("not an API error: {error:?}")
    };
    assert_eq!(api.status, 400);
    let provider = api.error.as_ref().unwrap();
    assert!(provider.message.contains("maximum context length"));
    assert_eq!(provider.param.as_deref(), Some("input"));
}

#[tokio::test]
async fn an_image_answer_in_b64_json_is_an_image_in_memory() {
    let server = MockServer::with([Reply::json(json!({
        "created": 1_713_833_628,
        "data": [{"b64_json": STANDARD.encode(PNG), "revised_prompt": "A watercolor"}]
    }))])
    .await;
    let image = paint("a lighthouse")
        .client(&server.client())
        .response_format("b64_json")
        .await
        .unwrap();
    assert_eq!(image.as_media().mime(), Some("image/png"));
    assert_eq!(image.as_media().source(), &MediaSource::Bytes(PNG.into()));
    let request = &server.requests()[0];
    assert_eq!(request.path, "/v1/images/generations");
    assert_eq!(
        request.json(),
        json!({
            "model": "dall-e-3",
            "prompt": "A watercolor of a lighthouse",
            "size": "1024x1024",
            "quality": "hd",
            "style": "vivid",
            "response_format": "b64_json"
        })
    );
    let dir = std::env::temp_dir().join(format!("promptfn-endpoints-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let saved = dir.join("lighthouse.png");
    image.save(&saved).unwrap();
    assert_eq!(std::fs::read(&saved).unwrap(), PNG);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn several_images_by_url_keep_the_format_asked_for_and_usage() {
    let server = MockServer::with([Reply::json(json!({
        "created": 1,
        "data": [{"url": "https://cdn.example/a"}, {"url": "https://cdn.example/b"}],
        "output_format": "webp",
        "usage": {"total_tokens": 100, "input_tokens": 40, "output_tokens": 60,
                  "input_tokens_details": {"text_tokens": 40, "image_tokens": 0}}
    }))])
    .await;
    let response = icons("weather")
        .client(&server.client())
        .size("1024x1536")
        .with_meta()
        .await
        .unwrap();
    assert_eq!(response.value.len(), 2);
    assert_eq!(
        response.value[1].as_media().source(),
        &MediaSource::Url("https://cdn.example/b".into())
    );
    assert_eq!(response.value[0].as_media().mime(), Some("image/webp"));
    assert_eq!(response.usage.unwrap().prompt_tokens, 40);
    assert_eq!(response.usage.unwrap().completion_tokens, 60);
    assert_eq!(
        server.bodies()[0],
        json!({
            "model": "gpt-image-1",
            "prompt": "Icons of weather",
            "size": "1024x1536",
            "background": "transparent",
            "output_format": "webp",
            "n": 2
        })
    );
    let error = response.value[0].save(std::env::temp_dir().join("never.webp"));
    assert!(error.unwrap_err().to_string().contains("b64_json"));
}

#[tokio::test]
async fn an_image_answer_without_images_or_with_an_error_object_fails_clearly() {
    let server = MockServer::with([
        Reply::json(json!({"created": 1, "data": []})),
        Reply::json(json!({"error": {"message": "Your request was rejected by the safety system", "type": "image_generation_user_error", "code": "content_policy_violation"}})),
        Reply::status(429, json!({"error": {"message": "Rate limit reached for images", "type": "requests", "code": "rate_limit_exceeded"}})),
    ])
    .await;
    let client = server.client();
    let empty = paint("x").client(&client).await.unwrap_err();
    assert!(matches!(empty, Error::Protocol { .. }), "{empty:?}");
    let rejected = paint("x").client(&client).await.unwrap_err();
    assert!(
        matches!(&rejected, Error::Api(api) if api.message().contains("safety system")),
        "{rejected:?}"
    );
    let limited = paint("x").client(&client).await.unwrap_err();
    assert!(
        matches!(&limited, Error::Api(api) if api.status == 429),
        "{limited:?}"
    );
}

#[tokio::test]
async fn speech_is_the_answers_bytes_with_their_mime_type() {
    let wav = b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00".to_vec();
    let server = MockServer::with([Reply::file("audio/wav", wav.clone())]).await;
    let audio = speak("Hello there").client(&server.client()).await.unwrap();
    assert_eq!(audio.as_media().mime(), Some("audio/wav"));
    assert_eq!(audio.as_media().source(), &MediaSource::Bytes(wav.into()));
    let request = &server.requests()[0];
    assert_eq!(request.path, "/v1/audio/speech");
    assert_eq!(
        request.json(),
        json!({
            "model": "gpt-4o-mini-tts",
            "input": "Hello there",
            "voice": "coral",
            "instructions": "Speak warmly.",
            "response_format": "wav",
            "speed": 1.25
        })
    );
}

#[tokio::test]
async fn per_call_speech_settings_override_the_declared_ones() {
    let server = MockServer::with([Reply::file("audio/mpeg", b"ID3\x04\x00".to_vec())]).await;
    let request = speak("Hi")
        .client(&server.client())
        .voice("nova")
        .speed(0.5)
        .format("mp3")
        .model("tts-1");
    assert_eq!(request.request().unwrap()["voice"], "nova");
    let audio = request.await.unwrap();
    assert_eq!(audio.as_media().mime(), Some("audio/mpeg"));
    let body = &server.bodies()[0];
    assert_eq!(body["model"], "tts-1");
    assert_eq!(body["speed"], 0.5);
    assert_eq!(body["response_format"], "mp3");
}

#[tokio::test]
async fn transient_failures_are_retried_and_deadlines_apply() {
    let server = MockServer::with([
        Reply::status(
            503,
            json!({"error": {"message": "overloaded", "type": "server_error"}}),
        ),
        embedding_answer(&[json!([1.0])], 1),
    ])
    .await;
    let vector = embed("x")
        .client(&server.client())
        .max_attempts(2)
        .await
        .unwrap();
    assert_eq!(vector.as_slice(), &[1.0]);
    assert_eq!(server.requests().len(), 2);

    let slow = MockServer::with([promptfn_tests::mock::Reply::Delayed(
        Duration::from_secs(5),
        Box::new(embedding_answer(&[json!([1.0])], 1)),
    )])
    .await;
    let error = embed("x")
        .client(&slow.client())
        .timeout(Duration::from_millis(100))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
}

#[tokio::test]
async fn the_client_lists_the_endpoints_models() {
    let server = MockServer::with([Reply::json(json!({
        "object": "list",
        "data": [
            {"id": "gpt-4o-mini", "object": "model", "created": 1_721_172_741, "owned_by": "system"},
            {"id": "text-embedding-3-small", "object": "model", "owned_by": "openai"}
        ]
    }))])
    .await;
    let models = server.client().models().await.unwrap();
    let ids: Vec<&str> = models.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["gpt-4o-mini", "text-embedding-3-small"]);
    assert_eq!(models[0].created, Some(1_721_172_741));
    assert_eq!(models[1].owned_by.as_deref(), Some("openai"));
    let request = &server.requests()[0];
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, "/v1/models");
    assert!(request.body.is_empty());
}

#[tokio::test]
async fn the_testing_kit_answers_every_endpoint() {
    use promptfn::testing::{MockClient, Reply as Mock};
    let mock = MockClient::new();
    mock.on("embed_all")
        .reply(Mock::embeddings([vec![0.0, 1.0]]));
    mock.on("paint").reply(Mock::image(PNG));
    mock.on("speak").reply(Mock::audio(&b"ID3\x04"[..]));
    mock.on("embed")
        .reply(Mock::value("not an embeddings answer"));
    mock.on("hat").reply(Mock::image(PNG));
    mock.on("greet").reply(Mock::spoken(WAV, "Hello, Ana!"));
    let client = mock.client().unwrap();

    let vectors = embed_all(&texts(&["a", "b", "c"]))
        .client(&client)
        .await
        .unwrap();
    assert_eq!(vectors.len(), 3);
    let image = paint("sea").client(&client).await.unwrap();
    assert_eq!(image.as_media().mime(), Some("image/png"));
    let audio = speak("hi").client(&client).await.unwrap();
    assert_eq!(audio.as_media().mime(), Some("audio/mpeg"));
    let error = embed("x").client(&client).await.unwrap_err();
    assert!(error.to_string().contains("Reply::embeddings"), "{error}");

    let edited = hat(Image::bytes(PNG), None).client(&client).await.unwrap();
    assert_eq!(edited.as_media().mime(), Some("image/png"));
    let spoken = greet("Ana").client(&client).await.unwrap();
    assert_eq!(spoken.transcript, "Hello, Ana!");
    assert_eq!(spoken.id, "audio_mock");
    assert_eq!(spoken.audio.as_media().mime(), Some("audio/wav"));

    let requests = mock.requests();
    assert_eq!(mock.requests_to("hat")[0].path, "images/edits");
    let spoken_request = &mock.requests_to("greet")[0];
    assert_eq!(spoken_request.path, "chat/completions");
    assert_eq!(spoken_request.prompt(), "Greet Ana.");
    assert_eq!(requests[0].path, "embeddings");
    assert_eq!(requests[2].path, "images/generations");
    assert_eq!(requests[2].prompt(), "A watercolor of sea");
    assert_eq!(requests[3].prompt(), "hi");
}

#[tokio::test]
async fn moderation_reads_flags_and_scores() {
    let server = MockServer::with([Reply::json(json!({
        "id": "modr-0d9740456c391e43c445bf0f010940c7",
        "model": "omni-moderation-2024-09-26",
        "results": [{
            "flagged": true,
            "categories": {"harassment": true, "violence": false, "self-harm/intent": false},
            "category_scores": {"harassment": 0.91, "violence": 0.02, "self-harm/intent": 0.0},
            "category_applied_input_types": {"harassment": ["text"], "violence": ["text"]}
        }]
    }))])
    .await;
    let response = moderate("you are awful")
        .client(&server.client())
        .with_meta()
        .await
        .unwrap();
    let verdict = response.value;
    assert!(verdict.flagged);
    assert_eq!(
        verdict.flagged_categories().collect::<Vec<_>>(),
        ["harassment"]
    );
    assert_eq!(verdict.scores["harassment"], 0.91);
    assert_eq!(
        response.model.as_deref(),
        Some("omni-moderation-2024-09-26")
    );
    let request = &server.requests()[0];
    assert_eq!(request.path, "/v1/moderations");
    // No model declared: the endpoint's default, not the client's chat model.
    assert_eq!(
        request.json(),
        json!({"model": "omni-moderation-latest", "input": "you are awful"})
    );
}

#[tokio::test]
async fn an_endpoint_function_without_a_model_says_how_to_name_one() {
    #[prompt("{text}", voice = "alloy")]
    async fn unnamed(text: &str) -> Result<Audio>;
    let server = MockServer::start().await;
    let error = unnamed("hi").client(&server.client()).await.unwrap_err();
    assert!(
        matches!(&error, Error::Config(m) if m.contains("model = ") && m.contains("not for this endpoint")),
        "{error:?}"
    );
    assert!(server.requests().is_empty());
}

const WAV: &[u8] = b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00";

#[tokio::test]
async fn a_transcription_is_a_multipart_upload_with_the_template_as_the_hint() {
    let server = MockServer::with([Reply::json(json!({
        "task": "transcribe",
        "language": "english",
        "duration": 2.5,
        "text": "Hi Ana.",
        "segments": [{"id": 0, "seek": 0, "start": 0.0, "end": 2.5, "text": " Hi Ana.",
                      "tokens": [50364], "temperature": 0.0, "avg_logprob": -0.2,
                      "compression_ratio": 0.8, "no_speech_prob": 0.01}]
    }))])
    .await;
    let transcript = transcribe(Audio::bytes(WAV))
        .client(&server.client())
        .await
        .unwrap();
    assert_eq!(transcript.text, "Hi Ana.");
    assert_eq!(transcript.language.as_deref(), Some("english"));
    assert_eq!(transcript.duration, Some(2.5));
    assert_eq!(transcript.segments[0].end, 2.5);
    assert_eq!(transcript.segments[0].text, " Hi Ana.");

    let request = &server.requests()[0];
    assert_eq!(request.path, "/v1/audio/transcriptions");
    assert_eq!(
        request.header("content-type"),
        Some("multipart/form-data; boundary=promptfn-form-0")
    );
    let field = |name: &str, value: &str| {
        format!(
            "--promptfn-form-0\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        )
    };
    let mut expected = b"--promptfn-form-0\r\nContent-Disposition: form-data; name=\"file\"; filename=\"audio.wav\"\r\nContent-Type: audio/wav\r\n\r\n".to_vec();
    expected.extend_from_slice(WAV);
    expected.extend_from_slice(b"\r\n");
    for (name, value) in [
        ("model", "whisper-1"),
        ("prompt", "Names: Ana, Bo."),
        ("language", "en"),
        ("response_format", "verbose_json"),
        ("timestamp_granularities[]", "segment"),
    ] {
        expected.extend_from_slice(field(name, value).as_bytes());
    }
    expected.extend_from_slice(b"--promptfn-form-0--\r\n");
    assert_eq!(
        String::from_utf8_lossy(&request.body),
        String::from_utf8_lossy(&expected)
    );
}

#[tokio::test]
async fn a_translation_downloads_its_url_and_goes_to_the_translations_endpoint() {
    let server = MockServer::with([Reply::json(json!({"text": "Good morning."}))]).await;
    server.route(
        "/files/greeting.mp3",
        Reply::file("audio/mpeg", b"ID3\x04\x00".to_vec()),
    );
    // The audio is served from this machine, where downloads go only when allowed.
    let client = promptfn::Client::builder()
        .base_url(server.url())
        .api_key("sk-test-key")
        .max_attempts(1)
        .allow_private_media_addresses(true)
        .build()
        .unwrap();
    let response = translate(Audio::url(server.url_of("/files/greeting.mp3")))
        .client(&client)
        .with_meta()
        .await
        .unwrap();
    assert_eq!(response.value.text, "Good morning.");
    assert_eq!(response.value.segments, []);
    let request = server
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert_eq!(request.path, "/v1/audio/translations");
    let body = String::from_utf8_lossy(&request.body).into_owned();
    assert!(
        body.contains(
            "name=\"file\"; filename=\"greeting.mp3\"\r\nContent-Type: audio/mpeg\r\n\r\nID3"
        ),
        "{body}"
    );
    assert!(
        body.contains("name=\"response_format\"\r\n\r\njson\r\n"),
        "{body}"
    );
    assert!(!body.contains("name=\"prompt\""), "{body}");
    assert!(!body.contains("timestamp_granularities"), "{body}");
}

#[tokio::test]
async fn a_transcription_error_body_is_an_api_error() {
    let server = MockServer::with([Reply::status(
        400,
        json!({"error": {"message": "Invalid file format. Supported formats: ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']", "type": "invalid_request_error", "param": null, "code": null}}),
    )])
    .await;
    let error = translate(Audio::bytes(WAV))
        .client(&server.client())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Api(api) if api.status == 400 && api.message().contains("Invalid file format")),
        "{error:?}"
    );
}

fn capitals() -> Vec<String> {
    texts(&[
        "Carson City is in Nevada.",
        "Saipan is a capital.",
        "Washington, D.C. is the capital.",
    ])
}

/// A client of `server` that speaks `format` for rerank.
fn rerank_client(server: &MockServer, format: RerankFormat) -> promptfn::Client {
    promptfn::Client::builder()
        .base_url(server.url())
        .api_key("sk-test-key")
        .max_attempts(1)
        .rerank_format(format)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_transcribed_local_file_is_read_once_and_bounded() {
    let server = MockServer::with([Reply::json(json!({"text": "Hi Ana."}))]).await;
    let client = promptfn::Client::builder()
        .base_url(server.url())
        .api_key("sk-test-key")
        .max_attempts(1)
        .max_media_download(16)
        .build()
        .unwrap();

    // A regular file is sent whole, under its own name, whatever the download cap.
    let path = std::env::temp_dir().join(format!("promptfn-greeting-{}.wav", std::process::id()));
    let mut wav = WAV.to_vec();
    wav.extend([0u8; 64]);
    std::fs::write(&path, &wav).unwrap();
    let transcript = transcribe(Audio::path(&path)).client(&client).await;
    let _ = std::fs::remove_file(&path);
    assert_eq!(transcript.unwrap().text, "Hi Ana.");
    let body = &server.requests()[0].body;
    let file_name = path.file_name().unwrap().to_str().unwrap();
    let head = format!("filename=\"{file_name}\"\r\nContent-Type: audio/wav\r\n\r\n");
    let at = String::from_utf8_lossy(body).find(&head).unwrap() + head.len();
    assert_eq!(&body[at..at + wav.len()], wav.as_slice());

    // A file that reports no size (as /proc files do) is read up to the download cap, no more:
    // an error that names the cap and the setting that raises it.
    let e = transcribe(Audio::path("/proc/self/status").mime("audio/wav"))
        .client(&client)
        .await
        .unwrap_err();
    let Error::Media(media) = &e else {
        panic!("expected a media error, got {e:?}")
    };
    assert!(
        matches!(
            **media,
            MediaError::TooLarge {
                limit: 16,
                size: None,
                ..
            }
        ),
        "{media:?}"
    );
    assert!(e.to_string().contains("`.max_media_download(…)`"), "{e}");

    // What is not a regular file (here an endless one) is refused before a byte is read.
    let e = transcribe(Audio::path("/dev/zero").mime("audio/wav"))
        .client(&client)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("not a regular file"), "{e}");
    assert_eq!(server.requests().len(), 1, "nothing more was sent");
}

#[tokio::test]
async fn rerank_in_the_jina_format_is_the_default() {
    let server = MockServer::with([Reply::json(json!({
        "model": "jina-reranker-v2-base-multilingual",
        "usage": {"prompt_tokens": 38, "completion_tokens": 0, "total_tokens": 38},
        "results": [
            {"index": 2, "document": {"text": "Washington, D.C. is the capital."}, "relevance_score": 0.93},
            {"index": 0, "document": {"text": "Carson City is in Nevada."}, "relevance_score": 0.11}
        ]
    }))])
    .await;
    let documents = capitals();
    let jina = rank("capital of the US", &documents)
        .client(&server.client())
        .with_meta()
        .await
        .unwrap();
    assert_eq!(jina.value.order(), [2, 0]);
    assert_eq!(
        jina.value.top().unwrap().document.as_deref(),
        Some("Washington, D.C. is the capital.")
    );
    assert_eq!(jina.usage.unwrap().prompt_tokens, 38);
    assert_eq!(
        jina.model.as_deref(),
        Some("jina-reranker-v2-base-multilingual")
    );
    let request = &server.requests()[0];
    assert_eq!(request.path, "/v1/rerank");
    assert_eq!(
        request.json(),
        json!({
            "model": "jina-reranker-v2-base-multilingual",
            "query": "capital of the US",
            "documents": documents,
            "top_n": 2,
            "return_documents": true
        })
    );
}

#[tokio::test]
async fn rerank_in_the_cohere_format_takes_the_texts_from_the_list_sent() {
    let server = MockServer::with([Reply::json(json!({
        "id": "07734bd2-2473-4f07-94e1-0d9f0e6843cf",
        "results": [
            {"index": 0, "relevance_score": 0.2},
            {"index": 2, "relevance_score": 0.9}
        ],
        "meta": {"api_version": {"version": "2", "is_experimental": false},
                 "billed_units": {"search_units": 1},
                 "tokens": {"input_tokens": 21, "output_tokens": 0}}
    }))])
    .await;
    let documents = capitals();
    let cohere = rank("capital of the US", &documents)
        .client(&rerank_client(&server, RerankFormat::Cohere))
        .with_meta()
        .await
        .unwrap();
    assert_eq!(cohere.value.order(), [2, 0], "sorted by score");
    assert_eq!(
        cohere.value.results[0].document.as_deref(),
        Some("Washington, D.C. is the capital.")
    );
    assert_eq!(cohere.usage.unwrap().prompt_tokens, 21);
    // Cohere's v2 API has no `return_documents`.
    assert_eq!(
        server.requests()[0].json(),
        json!({
            "model": "jina-reranker-v2-base-multilingual",
            "query": "capital of the US",
            "documents": documents,
            "top_n": 2
        })
    );
}

#[tokio::test]
async fn rerank_in_the_xinference_format_reads_plain_string_documents() {
    let server = MockServer::with([Reply::json(json!({
        "id": "480dca92-8910-11ee-b76a-c2c8e4cad3f5",
        "results": [
            {"index": 2, "relevance_score": 0.9999, "document": "Washington, D.C. is the capital."},
            {"index": 1, "relevance_score": 0.0003, "document": "Saipan is a capital."}
        ],
        "meta": {"api_version": null, "billed_units": null,
                 "tokens": {"input_tokens": 17, "output_tokens": 0}, "warnings": null}
    }))])
    .await;
    let documents = capitals();
    let xinference = rank("capital of the US", &documents)
        .client(&rerank_client(&server, RerankFormat::Xinference))
        .top_n(1)
        .with_meta()
        .await
        .unwrap();
    assert_eq!(xinference.value.order(), [2, 1]);
    assert_eq!(
        xinference.value.results[1].document.as_deref(),
        Some("Saipan is a capital.")
    );
    assert_eq!(xinference.usage.unwrap().prompt_tokens, 17);
    assert_eq!(
        server.requests()[0].json(),
        json!({
            "model": "jina-reranker-v2-base-multilingual",
            "query": "capital of the US",
            "documents": documents,
            "top_n": 1,
            "return_documents": true,
            "return_len": true
        })
    );
}

#[tokio::test]
async fn a_rerank_answer_in_another_format_than_the_clients_says_where_to_set_it() {
    let xinference_answer = json!({
        "results": [{"index": 0, "relevance_score": 0.9, "document": "Carson City is in Nevada."}]
    });
    let server = MockServer::with([Reply::json(xinference_answer)]).await;
    let error = rank("capital of the US", &capitals())
        .client(&server.client())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Protocol { reason, .. }
            if reason.contains("read as the Jina rerank format")
                && reason.contains("ClientBuilder::rerank_format")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_ranking_naming_a_missing_document_is_a_protocol_error() {
    let server = MockServer::with([Reply::json(json!({
        "results": [{"index": 7, "relevance_score": 0.5}]
    }))])
    .await;
    let error = rank("q", &texts(&["only one"]))
        .client(&server.client())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Protocol { reason, .. } if reason.contains("document 7 of 1")),
        "{error:?}"
    );
}

#[prompt(
    "{photo} Put a small red hat on the cat.",
    model = "gpt-image-1",
    size = "1024x1024",
    format = "png"
)]
async fn hat(photo: Image, mask: Option<Image>) -> Result<Image>;

#[prompt("{items} A gift basket holding these.", model = "gpt-image-1", n = 2)]
async fn basket(items: &[Image]) -> Result<Vec<Image>>;

/// A form's text field, as the runtime writes it.
fn text_field(boundary: &str, name: &str, value: &str) -> String {
    format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
}

/// A form's file field, as the runtime writes it.
fn file_field(boundary: &str, name: &str, filename: &str, mime: &str, content: &[u8]) -> Vec<u8> {
    let mut field = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {mime}\r\n\r\n"
    )
    .into_bytes();
    field.extend_from_slice(content);
    field.extend_from_slice(b"\r\n");
    field
}

#[tokio::test]
async fn an_image_edit_uploads_the_image_and_its_mask_with_the_prompt() {
    let edited = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRedited";
    let server = MockServer::with([Reply::json(json!({
        "created": 1_713_833_628,
        "data": [{"b64_json": STANDARD.encode(edited)}],
        "usage": {"total_tokens": 100, "input_tokens": 50, "output_tokens": 50,
                  "input_tokens_details": {"text_tokens": 10, "image_tokens": 40}}
    }))])
    .await;
    let photo = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRphoto";
    let mask = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRmask";
    let response = hat(
        Image::bytes(&photo[..]).filename("cat.png"),
        Some(Image::bytes(&mask[..]).filename("mask.png")),
    )
    .client(&server.client())
    .with_meta()
    .await
    .unwrap();
    assert_eq!(response.value.as_media().mime(), Some("image/png"));
    assert!(
        matches!(response.value.as_media().source(), MediaSource::Bytes(b) if b[..] == edited[..])
    );
    assert_eq!(response.usage.unwrap().prompt_tokens, 50);

    let request = &server.requests()[0];
    assert_eq!(request.path, "/v1/images/edits");
    assert_eq!(
        request.header("content-type"),
        Some("multipart/form-data; boundary=promptfn-form-0")
    );
    let b = "promptfn-form-0";
    let mut expected = file_field(b, "image", "cat.png", "image/png", photo);
    expected.extend(file_field(b, "mask", "mask.png", "image/png", mask));
    for (name, value) in [
        ("prompt", "Put a small red hat on the cat."),
        ("model", "gpt-image-1"),
        ("size", "1024x1024"),
        ("output_format", "png"),
    ] {
        expected.extend_from_slice(text_field(b, name, value).as_bytes());
    }
    expected.extend_from_slice(b"--promptfn-form-0--\r\n");
    assert_eq!(
        String::from_utf8_lossy(&request.body),
        String::from_utf8_lossy(&expected)
    );
}

#[tokio::test]
async fn several_images_are_edited_together_and_without_a_mask_none_is_sent() {
    let server = MockServer::with([
        Reply::json(json!({"created": 1, "data": [{"url": "https://cdn.example/a.png"}, {"url": "https://cdn.example/b.png"}]})),
        Reply::json(json!({"created": 2, "data": [{"b64_json": STANDARD.encode(PNG)}]})),
    ])
    .await;
    let client = server.client();
    let items = [
        Image::bytes(PNG).filename("soap.png"),
        Image::bytes(PNG).filename("lotion.png"),
    ];
    let baskets = basket(&items)
        .client(&client)
        .response_format("url")
        .await
        .unwrap();
    assert_eq!(baskets.len(), 2);
    let alone = hat(Image::bytes(PNG), None).client(&client).await.unwrap();
    assert_eq!(alone.as_media().mime(), Some("image/png"));

    let requests = server.requests();
    let body = String::from_utf8_lossy(&requests[0].body).into_owned();
    assert_eq!(requests[0].path, "/v1/images/edits");
    assert_eq!(body.matches("name=\"image[]\"").count(), 2, "{body}");
    assert!(
        body.find("filename=\"soap.png\"") < body.find("filename=\"lotion.png\""),
        "{body}"
    );
    assert!(
        body.contains(&text_field("promptfn-form-0", "n", "2")),
        "{body}"
    );
    assert!(
        body.contains(&text_field("promptfn-form-0", "response_format", "url")),
        "{body}"
    );
    let body = String::from_utf8_lossy(&requests[1].body).into_owned();
    assert!(
        body.contains("name=\"image\"; filename=\"image.png\""),
        "{body}"
    );
    assert!(!body.contains("name=\"mask\""), "{body}");
}

#[tokio::test]
async fn an_image_edit_error_body_is_an_api_error() {
    let server = MockServer::with([Reply::status(
        400,
        json!({"error": {"message": "Invalid input image - format must be in ['RGBA', 'LA', 'L'], got RGB.", "type": "invalid_request_error", "param": null, "code": null}}),
    )])
    .await;
    let error = hat(Image::bytes(PNG), None)
        .client(&server.client())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Api(api) if api.status == 400 && api.message().contains("Invalid input image")),
        "{error:?}"
    );
}

#[prompt(
    system = "You are a friendly guide. Answer in one sentence.",
    "Greet {name}.",
    model = "gpt-4o-audio-preview",
    voice = "alloy",
    format = "wav"
)]
async fn greet(name: &str) -> Result<Spoken>;

#[tokio::test]
async fn a_spoken_answer_is_decoded_from_the_chat_audio_object() {
    let server = MockServer::with([Reply::json(json!({
        "id": "chatcmpl-AaBb",
        "object": "chat.completion",
        "created": 1_729_000_000,
        "model": "gpt-4o-audio-preview-2024-10-01",
        "choices": [{
            "index": 0,
            "message": {
                "role": "assistant",
                "content": null,
                "refusal": null,
                "audio": {
                    "id": "audio_abc123",
                    "expires_at": 1_729_018_505,
                    "data": STANDARD.encode(WAV),
                    "transcript": "Hello, Ana!"
                }
            },
            "finish_reason": "stop"
        }],
        "usage": {"prompt_tokens": 17, "completion_tokens": 180, "total_tokens": 197,
                  "completion_tokens_details": {"audio_tokens": 160, "text_tokens": 20}}
    }))])
    .await;
    let response = greet("Ana")
        .client(&server.client())
        .with_meta()
        .await
        .unwrap();
    let spoken = response.value;
    assert_eq!(spoken.transcript, "Hello, Ana!");
    assert_eq!(spoken.id, "audio_abc123");
    assert_eq!(spoken.expires_at, Some(1_729_018_505));
    assert_eq!(spoken.audio.as_media().mime(), Some("audio/wav"));
    assert!(matches!(spoken.audio.as_media().source(), MediaSource::Bytes(b) if b[..] == WAV[..]));
    assert_eq!(response.id.as_deref(), Some("chatcmpl-AaBb"));
    assert_eq!(response.finish_reason, Some(promptfn::FinishReason::Stop));
    assert_eq!(response.usage.unwrap().completion_tokens, 180);

    let request = &server.requests()[0];
    assert_eq!(request.path, "/v1/chat/completions");
    assert_eq!(
        request.json(),
        json!({
            "model": "gpt-4o-audio-preview",
            "messages": [
                {"role": "system", "content": "You are a friendly guide. Answer in one sentence."},
                {"role": "user", "content": "Greet Ana."}
            ],
            "modalities": ["text", "audio"],
            "audio": {"voice": "alloy", "format": "wav"}
        })
    );
}

#[tokio::test]
async fn a_spoken_call_takes_its_voice_and_format_per_call_and_says_when_no_audio_came() {
    let server = MockServer::with([Reply::json(json!({
        "id": "chatcmpl-1",
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": "Hello, Bo!"}}]
    }))])
    .await;
    let error = greet("Bo")
        .client(&server.client())
        .voice("sage")
        .format("mp3")
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Protocol { reason, .. }
            if reason.contains("no audio (it answered with text only)")),
        "{error:?}"
    );
    assert_eq!(
        server.requests()[0].json()["audio"],
        json!({"voice": "sage", "format": "mp3"})
    );
}
