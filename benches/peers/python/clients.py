"""The Python half of the peer comparison: the typed call of the Rust benches, made with the
openai SDK, instructor, pydantic-ai and magentic, each the way its documentation shows.

Usage: clients.py NAME ORIGIN   (NAME: openai, instructor, pydantic-ai, magentic)

Same protocol as the Rust `peer client`: build the client, make one call, print `ready`; then
for each line `N` on stdin make N calls one after another and print the process CPU time and
the wall time they took, in nanoseconds. Every call returns a `Person` from the same loopback
server as the Rust clients, with the same prompt.
"""

import sys
import time
from typing import Callable, Optional

from pydantic import BaseModel

MODEL = "bench"
TEXT = "Alice is 30 and lives in Lisbon with her two cats."
API_KEY = "sk-bench-0123456789abcdef"


class Person(BaseModel):
    """The typed answer."""

    name: str
    age: Optional[int] = None


def prompt(text: str) -> str:
    return f"Extract the person mentioned in: {text}"


def openai_sdk(base_url: str) -> Callable[[], Person]:
    """The official SDK's structured outputs: `parse` with the model as `response_format`."""
    from openai import OpenAI

    client = OpenAI(base_url=base_url, api_key=API_KEY)

    def call() -> Person:
        completion = client.chat.completions.parse(
            model=MODEL,
            messages=[{"role": "user", "content": prompt(TEXT)}],
            response_format=Person,
        )
        return completion.choices[0].message.parsed

    return call


def instructor_client(base_url: str) -> Callable[[], Person]:
    """instructor on the openai SDK, in its default mode (a forced tool call)."""
    import instructor
    from openai import OpenAI

    client = instructor.from_openai(OpenAI(base_url=base_url, api_key=API_KEY))

    def call() -> Person:
        return client.chat.completions.create(
            model=MODEL,
            response_model=Person,
            messages=[{"role": "user", "content": prompt(TEXT)}],
        )

    return call


def pydantic_ai_agent(base_url: str) -> Callable[[], Person]:
    """A pydantic-ai agent with `output_type=Person` (its default: an output tool)."""
    from pydantic_ai import Agent
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai import OpenAIProvider

    model = OpenAIChatModel(MODEL, provider=OpenAIProvider(base_url=base_url, api_key=API_KEY))
    agent = Agent(model, output_type=Person)

    def call() -> Person:
        return agent.run_sync(prompt(TEXT)).output

    return call


def magentic_function(base_url: str) -> Callable[[], Person]:
    """A magentic `@prompt` function returning `Person` (magentic streams a forced tool call)."""
    from magentic import OpenaiChatModel, prompt as magentic_prompt

    @magentic_prompt(
        "Extract the person mentioned in: {text}",
        model=OpenaiChatModel(MODEL, base_url=base_url, api_key=API_KEY),
    )
    def extract(text: str) -> Person: ...

    def call() -> Person:
        return extract(TEXT)

    return call


CLIENTS = {
    "openai": openai_sdk,
    "instructor": instructor_client,
    "pydantic-ai": pydantic_ai_agent,
    "magentic": magentic_function,
}


def main() -> None:
    name, origin = sys.argv[1], sys.argv[2]
    call = CLIENTS[name](f"{origin}/v1")
    expected = Person(name="Alice", age=30)
    # instructor hands back a subclass of `Person`: compare the fields.
    if call().model_dump() != expected.model_dump():
        sys.exit(f"{name} did not return {expected!r}")
    print("ready", flush=True)
    for line in sys.stdin:
        count = int(line)
        cpu, wall = time.process_time_ns(), time.perf_counter_ns()
        for _ in range(count):
            call()
        print(time.process_time_ns() - cpu, time.perf_counter_ns() - wall, flush=True)


if __name__ == "__main__":
    main()
