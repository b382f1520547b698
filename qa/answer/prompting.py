"""The chat prompts given to the generator, built from numbered evidence."""

from __future__ import annotations

from qa.generation.protocol import Messages

NOT_STATED = "Not stated."

SYSTEM = (
    "Answer the question from the numbered sentences only. Write one short sentence with the answer "
    "and cite the sentence number in brackets. If the sentences do not give the answer, write: " + NOT_STATED
)

# One worked answer and one refusal: with them the 0.5B model cites in the asked form far more often.
_EXAMPLE_CONTEXT = "[1] In 2021, the city raised the bus fare to 2 yuan.\n[2] The mayor opened a new park."
EXAMPLES = (
    (
        _EXAMPLE_CONTEXT,
        "What did the city raise the bus fare to in 2021?",
        "The bus fare was raised to 2 yuan [1].",
    ),
    (_EXAMPLE_CONTEXT, "What was the bus fare in 2025?", NOT_STATED),
)

PLAIN_SYSTEM = (
    "Answer the question using the context. If the context does not contain the answer, say you don't know."
)


def numbered(statements: list[str]) -> str:
    """
    >>> numbered(["a", "b"])
    '[1] a\\n[2] b'
    """
    return "\n".join(f"[{i}] {s}" for i, s in enumerate(statements, 1))


def evidence_prompt(question: str, statements: list[str]) -> Messages:
    """Few-shot prompt over numbered evidence statements.

    Document text goes only into the user turn, as quoted data after the numbers;
    instructions inside it carry no more weight than any other sentence.
    """
    messages: Messages = [{"role": "system", "content": SYSTEM}]
    for context, q, a in EXAMPLES:
        messages.append({"role": "user", "content": f"{context}\n\nQuestion: {q}"})
        messages.append({"role": "assistant", "content": a})
    messages.append({"role": "user", "content": f"{numbered(statements)}\n\nQuestion: {question}"})
    return messages


def plain_prompt(question: str, passages: list[str]) -> Messages:
    """The baseline: whole passages as context, the usual RAG instruction."""
    context = "\n\n".join(passages)
    return [
        {"role": "system", "content": PLAIN_SYSTEM},
        {"role": "user", "content": f"Context:\n{context}\n\nQuestion: {question}"},
    ]
