//! The testing kit answering in each native dialect: a `MockClient` whose client is built with
//! `.dialect(…)` frames every scripted reply as that dialect's server would (Anthropic
//! `message` and its events, Gemini `GenerateContentResponse` chunks, Responses `response` and
//! its `response.*` events), awaited and streamed, and reads the dialect's request bodies back
//! (the prompt, the system text, the structured-output mode, the forced tool).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use promptfn::testing::{MockClient, Reply};
use promptfn::{Client, Dialect, Error, FinishReason, Mode, Result, prompt, tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

const DIALECTS: [(Dialect, &str); 3] = [
    (Dialect::AnthropicMessages, "claude-sonnet-4-5"),
    (Dialect::GeminiGenerateContent, "gemini-2.5-flash"),
    (Dialect::OpenAiResponses, "gpt-4.1"),
];

fn client(mock: &MockClient, dialect: Dialect, model: &str) -> Client {
    mock.client_builder()
        .dialect(dialect)
        .model(model)
        .build()
        .unwrap()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Person {
    name: String,
    age: u32,
}

#[prompt(system = "Be brief.", "Say hello to {name}.")]
async fn greet(name: &str) -> Result<String>;

#[prompt("Extract the person: {text}")]
async fn person(text: &str) -> Result<Person>;

#[prompt("Extract everyone: {text}")]
async fn people(text: &str) -> Result<Vec<Person>>;

#[prompt("Who is mentioned, if anyone: {text}")]
async fn maybe_person(text: &str) -> Result<Option<Person>>;

/// The current weather in a city.
#[tool]
fn weather(city: String) -> String {
    format!("sunny in {city}")
}

#[prompt("Weather in {a} and {b}?", tools = [weather])]
async fn forecast(a: &str, b: &str) -> Result<String>;

#[tokio::test]
async fn typed_answers_come_back_in_every_dialect() {
    for (dialect, model) in DIALECTS {
        let mock = MockClient::new();
        let ana = Person {
            name: "Ana".into(),
            age: 31,
        };
        mock.on("greet")
            .reply(Reply::text("Hello, Ana!").usage(7, 3));
        mock.on("person").reply(Reply::value(&ana));
        mock.on("people")
            .reply(Reply::value(vec![ana.clone(), ana.clone()]));
        mock.on("maybe_person").reply(Reply::value(None::<Person>));
        let c = client(&mock, dialect, model);

        let r = greet("Ana").client(&c).with_meta().await.unwrap();
        assert_eq!(r.value, "Hello, Ana!", "{dialect:?}");
        assert_eq!(r.finish_reason, Some(FinishReason::Stop), "{dialect:?}");
        assert_eq!(r.usage.map(|u| u.total_tokens), Some(10), "{dialect:?}");
        assert_eq!(
            person("Ana, 31").client(&c).await.unwrap(),
            ana,
            "{dialect:?}"
        );
        assert_eq!(
            people("Ana twice").client(&c).await.unwrap().len(),
            2,
            "{dialect:?}"
        );
        assert_eq!(
            maybe_person("nobody").client(&c).await.unwrap(),
            None,
            "{dialect:?}"
        );

        let sent = mock.requests_to("greet");
        assert_eq!(sent[0].dialect(), dialect);
        assert_eq!(sent[0].prompt(), "Say hello to Ana.", "{dialect:?}");
        assert_eq!(
            sent[0].system().as_deref(),
            Some("Be brief."),
            "{dialect:?}"
        );
        assert_eq!(sent[0].model(), Some(model), "{dialect:?}");
        assert_eq!(sent[0].mode(), None, "{dialect:?}");
        let asked = mock.requests_to("person");
        assert_eq!(
            asked[0].prompt(),
            "Extract the person: Ana, 31",
            "{dialect:?}"
        );
        assert!(asked[0].mode().is_some(), "{dialect:?}");
    }
    let mock = MockClient::new();
    mock.fallback(Reply::value(Person {
        name: "Bo".into(),
        age: 4,
    }));
    // Claude's default for a typed answer is the forced `answer` tool; Gemini's and Responses'
    // the native JSON schema.
    for (dialect, model) in DIALECTS {
        person("Bo, 4")
            .client(&client(&mock, dialect, model))
            .await
            .unwrap();
    }
    let modes: Vec<_> = mock.requests().iter().map(|r| r.mode()).collect();
    assert_eq!(
        modes,
        [
            Some(Mode::Tool),
            Some(Mode::JsonSchema),
            Some(Mode::JsonSchema)
        ]
    );
    assert_eq!(mock.requests()[0].forced_tool(), Some("answer"));
}

#[tokio::test]
async fn streams_arrive_in_pieces_in_every_dialect() {
    let tale = "Once upon a time, a lighthouse keeper counted ships.";
    for (dialect, model) in DIALECTS {
        let mock = MockClient::new();
        mock.on("greet").reply(Reply::text(tale).usage(9, 12));
        mock.on("people").reply(Reply::value(vec![
            Person {
                name: "Ana".into(),
                age: 31,
            },
            Person {
                name: "Bo".into(),
                age: 4,
            },
        ]));
        let c = client(&mock, dialect, model);
        let mut stream = greet("Ana").client(&c).stream();
        let mut deltas = Vec::new();
        while let Some(delta) = stream.next().await {
            deltas.push(delta.unwrap());
        }
        assert!(deltas.len() > 1, "{dialect:?}: {deltas:?}");
        assert_eq!(deltas.concat(), tale, "{dialect:?}");
        let whole = greet("Ana")
            .client(&c)
            .stream()
            .into_response()
            .await
            .unwrap();
        assert_eq!(whole.value, tale, "{dialect:?}");
        assert_eq!(whole.usage.map(|u| u.total_tokens), Some(21), "{dialect:?}");
        assert_eq!(whole.finish_reason, Some(FinishReason::Stop), "{dialect:?}");

        let mut items = people("Ana and Bo").client(&c).stream();
        let mut names = Vec::new();
        while let Some(item) = items.next().await {
            names.push(item.unwrap().name);
        }
        assert_eq!(names, ["Ana", "Bo"], "{dialect:?}");
        assert!(mock.requests().iter().all(|r| r.stream));
    }
}

#[tokio::test]
async fn a_tool_loop_runs_in_every_dialect() {
    for (dialect, model) in DIALECTS {
        let mock = MockClient::new();
        mock.on("forecast")
            .reply(Reply::message(json!({"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_a", "type": "function", "function": {"name": "weather", "arguments": "{\"city\":\"Oslo\"}"}},
                {"id": "call_b", "type": "function", "function": {"name": "weather", "arguments": "{\"city\":\"Rome\"}"}}
            ]})))
            .reply(Reply::text("Sunny in both."));
        let c = client(&mock, dialect, model);
        let r = forecast("Oslo", "Rome")
            .client(&c)
            .with_meta()
            .await
            .unwrap();
        assert_eq!(r.value, "Sunny in both.", "{dialect:?}");
        assert_eq!(r.requests, 2, "{dialect:?}");
        // The second request carries both results, in the dialect's own shape.
        let second = mock.requests()[1].body.to_string();
        assert!(
            second.contains("sunny in Oslo") && second.contains("sunny in Rome"),
            "{dialect:?}: {second}"
        );
        // The same loop, streamed.
        mock.on("forecast").clear()
            .reply(Reply::message(json!({"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_c", "type": "function", "function": {"name": "weather", "arguments": "{\"city\":\"Lima\"}"}}
            ]})))
            .reply(Reply::text("Sunny in Lima."));
        let r = forecast("Lima", "Lima")
            .client(&c)
            .stream()
            .into_response()
            .await
            .unwrap();
        assert_eq!(r.value, "Sunny in Lima.", "{dialect:?}");
    }
}

#[tokio::test]
async fn faults_and_refusals_end_in_the_typed_errors_of_each_dialect() {
    for (dialect, model) in DIALECTS {
        let mock = MockClient::new();
        mock.on("greet")
            .reply(Reply::content_filtered())
            .reply(Reply::truncated("Hel"))
            .reply(Reply::refusal("I can't help with that."))
            .reply(Reply::api_error(429, "slow down"));
        let c = client(&mock, dialect, model);
        let err = greet("a").client(&c).await.unwrap_err();
        assert!(
            matches!(err, Error::ContentFilter { .. }),
            "{dialect:?}: {err:?}"
        );
        let cut = greet("b").client(&c).with_meta().await.unwrap();
        assert_eq!(
            (cut.value.as_str(), cut.finish_reason),
            ("Hel", Some(FinishReason::Length)),
            "{dialect:?}"
        );
        // Claude and Gemini have no refusal field: their refusals end as the content filter.
        let err = greet("c").client(&c).await.unwrap_err();
        match dialect {
            Dialect::OpenAiResponses => {
                assert!(matches!(err, Error::Refused { .. }), "{dialect:?}: {err:?}")
            }
            _ => assert!(
                matches!(err, Error::ContentFilter { .. }),
                "{dialect:?}: {err:?}"
            ),
        }
        let err = greet("d").client(&c).await.unwrap_err();
        assert!(
            matches!(&err, Error::Api(e) if e.status == 429),
            "{dialect:?}: {err:?}"
        );
    }
}

#[tokio::test]
async fn an_api_error_is_written_in_each_dialects_own_shape_and_read_back_typed() {
    // (dialect, model, the error type or status the body carries, a field only that shape has)
    let shapes = [
        (
            Dialect::ChatCompletions,
            "gpt-4o-mini",
            "mock_error",
            "/error/param",
        ),
        (
            Dialect::AnthropicMessages,
            "claude-sonnet-4-5",
            "not_found_error",
            "/type",
        ),
        (
            Dialect::GeminiGenerateContent,
            "gemini-2.5-flash",
            "NOT_FOUND",
            "/error/status",
        ),
        (
            Dialect::OpenAiResponses,
            "gpt-4.1",
            "mock_error",
            "/error/param",
        ),
    ];
    for (dialect, model, kind, own_field) in shapes {
        let mock = MockClient::new();
        mock.on("greet")
            .reply(Reply::api_error(404, "no such model here"));
        let c = client(&mock, dialect, model);
        for streamed in [false, true] {
            let err = if streamed {
                let mut stream = greet("Ana").client(&c).stream();
                match stream.next().await {
                    Some(Err(err)) => err,
                    other => panic!("{dialect:?}: not an error: {other:?}"),
                }
            } else {
                greet("Ana").client(&c).await.unwrap_err()
            };
            let Error::Api(api) = &err else {
                panic!("{dialect:?}, streamed {streamed}: not Error::Api: {err:?}");
            };
            assert_eq!(api.status, 404, "{dialect:?}");
            assert_eq!(api.message(), "no such model here", "{dialect:?}");
            let provider = api.error.as_ref().unwrap();
            assert_eq!(provider.kind.as_deref(), Some(kind), "{dialect:?}");
            let body: serde_json::Value = serde_json::from_str(&api.raw).unwrap();
            assert!(
                body.pointer(own_field).is_some(),
                "{dialect:?}: {own_field} missing from {body}"
            );
            match dialect {
                Dialect::AnthropicMessages => assert_eq!(body["type"], "error"),
                Dialect::GeminiGenerateContent => assert_eq!(body["error"]["code"], 404),
                _ => assert!(body.get("type").is_none(), "{dialect:?}: {body}"),
            }
        }
    }
}

#[tokio::test]
async fn several_answers_are_gemini_candidates() {
    #[prompt("Pick a colour for {thing}.", n = 2)]
    async fn colours(thing: &str) -> Result<promptfn::Choices<String>>;
    let mock = MockClient::new();
    mock.on("colours")
        .reply(Reply::choices([Reply::text("red"), Reply::text("blue")]));
    let c = client(&mock, Dialect::GeminiGenerateContent, "gemini-2.5-flash");
    let picked = colours("a bike").client(&c).await.unwrap();
    assert_eq!(picked.len(), 2);
    assert_eq!(
        mock.requests().len(),
        1,
        "one request with candidateCount 2"
    );
    assert_eq!(
        mock.requests()[0].body["generationConfig"]["candidateCount"],
        2
    );
}
