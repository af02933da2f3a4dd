//! The stages of a typed call without the network, each beside async-openai's equivalent:
//! render, render + encode, decode (body to struct), and the schema compile (cold and cached).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::IntoFuture;
use std::hint::black_box;

use async_openai::types::chat::{
    ChatCompletionRequestMessage, ChatCompletionRequestUserMessage,
    ChatCompletionRequestUserMessageContent, CreateChatCompletionRequest,
    CreateChatCompletionResponse, ResponseFormat, ResponseFormatJsonSchema,
};
use criterion::{Criterion, criterion_group, criterion_main};
use promptfn::__private::stages::{Stages, offline_client, request_body};
use promptfn_benches::contenders::{MODEL, Person, TEXT, extract};
use promptfn_benches::server::COMPLETION;

/// A client that is never called: the stages below do not send.
fn unused_client() -> promptfn::Client {
    promptfn::Client::builder()
        .base_url("http://127.0.0.1:9")
        .api_key("sk-bench")
        .build()
        .unwrap()
}

fn render_and_encode(c: &mut Criterion) {
    let client = unused_client();
    let mut group = c.benchmark_group("encode");
    group.bench_function("promptfn render", |b| b.iter(|| extract(black_box(TEXT))));
    group.bench_function("promptfn render+encode", |b| {
        b.iter(|| request_body(&extract(black_box(TEXT)).client(&client)).unwrap())
    });
    let request = extract(TEXT).client(&client).request().unwrap();
    let spec = &request["response_format"]["json_schema"];
    let json_schema = ResponseFormatJsonSchema {
        description: None,
        name: spec["name"].as_str().unwrap().to_owned(),
        schema: spec["schema"].clone(),
        strict: spec["strict"].as_bool(),
    };
    group.bench_function("async-openai build+encode", |b| {
        b.iter(|| {
            let text = black_box(TEXT);
            let request = CreateChatCompletionRequest {
                model: MODEL.to_owned(),
                messages: vec![ChatCompletionRequestMessage::User(
                    ChatCompletionRequestUserMessage {
                        content: ChatCompletionRequestUserMessageContent::Text(format!(
                            "Extract the person mentioned in: {text}"
                        )),
                        name: None,
                    },
                )],
                response_format: Some(ResponseFormat::JsonSchema {
                    json_schema: json_schema.clone(),
                }),
                ..Default::default()
            };
            serde_json::to_vec(&request).unwrap()
        })
    });
    group.finish();
}

fn decode(c: &mut Criterion) {
    let stages = Stages::compile::<Person>(MODEL).unwrap();
    let body = COMPLETION.as_bytes();
    let mut group = c.benchmark_group("decode");
    group.bench_function("promptfn body to struct", |b| {
        b.iter(|| stages.decode::<Person>(black_box(body)).unwrap())
    });
    let fenced = COMPLETION.replace(r#""content":"{"#, r#""content":"Here you go:\n```json\n{"#);
    let fenced = fenced.replace(r#"30}","#, r#"30}\n```","#);
    group.bench_function(
        "promptfn body to struct (fenced answer, tolerant path)",
        |b| {
            b.iter(|| {
                stages
                    .decode::<Person>(black_box(fenced.as_bytes()))
                    .unwrap()
            })
        },
    );
    group.bench_function("async-openai + serde_json body to struct", |b| {
        b.iter(|| {
            let response: CreateChatCompletionResponse =
                serde_json::from_slice(black_box(body)).unwrap();
            let content = response.choices[0].message.content.as_deref().unwrap();
            serde_json::from_str::<Person>(content).unwrap()
        })
    });
    group.bench_function("serde_json parse only (IgnoredAny)", |b| {
        b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(body)).unwrap())
    });
    group.finish();
}

fn offline_call(c: &mut Criterion) {
    let client = offline_client(COMPLETION.as_bytes()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("call without network");
    group.bench_function("promptfn typed call, canned answer", |b| {
        b.iter(|| {
            runtime
                .block_on(extract(black_box(TEXT)).client(&client).into_future())
                .unwrap()
        })
    });
    group.finish();
}

fn schema(c: &mut Criterion) {
    let mut group = c.benchmark_group("schema");
    group.bench_function(
        "compile cold (schemars + strict dialect + request fields)",
        |b| b.iter(|| Stages::compile::<Person>(black_box(MODEL)).unwrap()),
    );
    let stages = Stages::compile::<Person>(MODEL).unwrap();
    group.bench_function("cached lookup", |b| b.iter(|| stages.cached().unwrap()));
    group.finish();
}

criterion_group!(benches, render_and_encode, decode, offline_call, schema);
criterion_main!(benches);
