"""Tests own their world: the shell's settings and API keys never reach a test or a fixture."""

PROBE = """
import os

import pytest

from assistant.settings import Settings


@pytest.fixture(scope="session")
def session_settings():
    return Settings()


def test_nothing_from_the_shell(session_settings, monkeypatch):
    for settings in (session_settings, Settings()):
        assert settings.chroma_url is None and settings.llm is None
        assert settings.llm_api_key is None and settings.embed_backend == "auto"
    assert "OPENAI_API_KEY" not in os.environ and "ANTHROPIC_API_KEY" not in os.environ
    monkeypatch.setenv("PODCAST_ASSISTANT_LLM", "ollama:set-by-the-test")
    assert Settings().llm == "ollama:set-by-the-test"  # a test may still set its own
"""


def test_a_developers_shell_reaches_no_server_and_no_paid_model(pytester, monkeypatch):
    """A pytest run started from a shell that names a server, a chat model and API keys."""
    for name, value in {
        "PODCAST_ASSISTANT_CHROMA_URL": "http://203.0.113.1:9",
        "PODCAST_ASSISTANT_LLM": "openai:gpt-4o",
        "PODCAST_ASSISTANT_LLM_API_KEY": "sk-from-the-shell",
        "PODCAST_ASSISTANT_EMBED_BACKEND": "torch",
        "OPENAI_API_KEY": "sk-from-the-shell",
        "ANTHROPIC_API_KEY": "sk-ant-from-the-shell",
    }.items():
        monkeypatch.setenv(name, value)
    pytester.makepyfile(test_probe=PROBE)
    result = pytester.runpytest_inprocess("-p", "conftest", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
