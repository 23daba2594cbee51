"""The LangChain seams are public: the hybrid retriever and the answer prompt compose into an
LCEL chain the way a user would wire them in their own app."""

from fake_llm import MisbehavingChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import RunnablePassthrough

from assistant.prompts import ANSWER_TEMPLATE, fence_passage

QUESTION = "why isn't my piriformis stretch working?"


def _numbered(documents) -> str:
    return "\n\n".join(
        fence_passage(n, d.metadata["title"], d.page_content) for n, d in enumerate(documents, 1)
    )


def test_retriever_and_prompt_compose_into_an_lcel_chain(assistant):
    model = MisbehavingChatModel()
    chain = (
        {"passages": assistant.retriever | _numbered, "question": RunnablePassthrough()}
        | ANSWER_TEMPLATE
        | model
        | StrOutputParser()
    )
    reply = chain.invoke(QUESTION)

    documents = assistant.retriever.invoke(QUESTION)
    passages = assistant.retrieve(QUESTION)
    # The chain sees the very passages, in the same order and with the same scores, that the
    # assistant answers from.
    assert [d.id for d in documents] == [p.chunk.chunk_id for p in passages]
    assert [d.metadata["score"] for d in documents] == [p.score for p in passages]
    prompt = model.prompts[-1]
    assert all(" ".join(p.chunk.text.split()[:12]) in " ".join(prompt.split()) for p in passages)
    assert prompt.rstrip().endswith(f"Question: {QUESTION}")
    assert "[1]" in reply


def test_template_keeps_listener_braces_as_text():
    # A listener's "{question}" is a value, never a template field.
    system, human = ANSWER_TEMPLATE.format_messages(passages="[1] T\nText.", question="{x} {{y}}")
    assert "ONLY the numbered passages" in system.content
    assert human.content.endswith("Question: {x} {{y}}")
