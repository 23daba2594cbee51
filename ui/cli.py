"""The `podcast-assistant` command: ingest sources, ask a question, serve the chat.

This is the composition root: it builds the settings once and wires ingest, assistant and ui.
"""

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from assistant.settings import Settings
from ui.report import report
from ui.retention import forget

if TYPE_CHECKING:
    from assistant.answering import Assistant

log = logging.getLogger("podcast_assistant")


SHUTDOWN_GRACE_SECONDS = 3


def _settings(ctx: click.Context) -> Settings:
    return ctx.find_root().obj


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the store lives [env PODCAST_ASSISTANT_DATA_DIR; default .data].",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None, verbose: int) -> None:
    """Chat with the Back In Shape podcast: answers quoted from its articles and episodes.

    \b
    Typical use:
      podcast-assistant ingest                 # ingest ./corpus (only new or changed files)
      podcast-assistant ask "why isn't my piriformis stretch working?"
      podcast-assistant serve                  # the chat on http://127.0.0.1:7860

    Settings come from PODCAST_ASSISTANT_* environment variables (see the README).
    """
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    overrides = {"data_dir": data_dir} if data_dir else {}
    ctx.obj = Settings(**overrides)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--feed",
    "feeds",
    multiple=True,
    metavar="URL",
    help="A podcast RSS/Atom feed: each episode's page and transcript (repeatable).",
)
@click.option(
    "--prune",
    is_flag=True,
    help="Also remove sources under PATHS whose files are gone, and episodes the feeds dropped.",
)
@click.option(
    "--dry-run", is_flag=True, help="Print what would be added, updated or removed; change nothing."
)
@click.option(
    "--every",
    metavar="INTERVAL",
    help="Keep running, syncing again every INTERVAL (e.g. 30m, 6h, 1d) until stopped.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.pass_context
def ingest(
    ctx: click.Context,
    paths: tuple[Path, ...],
    feeds: tuple[str, ...],
    prune: bool,
    dry_run: bool,
    every: str | None,
    as_json: bool,
) -> None:
    """Embed new and changed articles, transcripts and episodes into the store.

    PATHS are files or folders of .txt, .md, .html, .vtt and .srt files, .jsonl bulk
    exports (one {"id", "title", "text", "url"} object a line) and audio or video files
    (.mp3 .m4a .mp4 ..., transcribed); with neither PATHS nor --feed, the corpus folder
    (PODCAST_ASSISTANT_CORPUS_DIR). A feed brings each episode's article page (the feed's own
    text when there is none) and its podcast:transcript, or else its audio, transcribed on this
    machine once (PODCAST_ASSISTANT_TRANSCRIBE=false skips that; --dry-run estimates it).

    Unchanged sources are skipped (pages with ETag/Last-Modified are not even downloaded
    again); changed ones have their chunks replaced. Episodes a feed no longer lists are kept
    unless --prune. A source that can't be read is reported and skipped, its earlier chunks
    kept, and the exit code is 1. A feed that can't be read at all changes nothing.

    \b
    Examples:
      podcast-assistant ingest
      podcast-assistant ingest --feed https://example.com/podcast.rss --dry-run
      podcast-assistant ingest --feed https://example.com/podcast.rss --every 6h
      podcast-assistant ingest export.jsonl articles/ --prune --json
    """
    from assistant.store.sharing import StoreBusy
    from ingest.errors import SourceError
    from ingest.feeds import FeedError
    from ingest.sync import run_every, run_ingest

    settings = _settings(ctx)
    roots = list(paths) or ([] if feeds else [settings.corpus_dir])
    interval = _interval(every) if every else None

    def once() -> bool:
        report = run_ingest(settings, roots, feeds, prune=prune, dry_run=dry_run)
        _echo_ingest_report(report, dry_run=dry_run, as_json=as_json)
        return not report.failed

    try:
        if interval:
            click.echo(f"syncing every {every} (Ctrl-C to stop)", err=True)
            run_every(interval, once)  # returns only when interrupted
            return
        ok = once()
    except (FeedError, SourceError, StoreBusy) as exc:
        raise click.ClickException(f"{exc}; nothing was changed") from exc
    except KeyboardInterrupt:
        ctx.exit(130)
    if not ok:
        ctx.exit(1)


def _interval(every: str) -> float:
    """Seconds in `--every`'s INTERVAL, or a usage error naming the option."""
    from ingest.sync import parse_interval

    try:
        return parse_interval(every)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--every") from exc


def _echo_ingest_report(report, *, dry_run: bool, as_json: bool) -> None:
    """An ingest report: skipped sources on stderr, in a dry run the would-be changes, then
    the summary (one JSON object on stdout with `--json`)."""
    for failure in report.failed:
        click.echo(f"skipped: {failure.message}", err=True)
    if dry_run and not as_json:
        for action, source_id, title in report.changes:
            click.echo(f"would {action}: {title} ({source_id})")
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        click.echo(f"ingest: {report.summary()}", err=True)


@main.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the answer and sources as JSON.")
@click.pass_context
def ask(ctx: click.Context, question: str, as_json: bool) -> None:
    """Answer QUESTION from the ingested podcast content, with numbered sources.

    \b
    Example:
      podcast-assistant ask "why isn't my piriformis stretch working?"
    """
    from assistant.answering import check_question
    from assistant.records import Answer
    from ui.api import answer_summary

    settings = _settings(ctx)
    problem = check_question(question, settings.max_question_chars)
    if problem:
        if as_json:
            click.echo(json.dumps(answer_summary(Answer(problem, refused=True))))
        raise click.UsageError(problem)
    assistant = _open_assistant(settings)
    answer = assistant.answer(question)
    if as_json:
        click.echo(json.dumps(answer_summary(answer), ensure_ascii=False))
        return
    from assistant.links import moment_label
    from assistant.prompts import STANDING_NOTE
    from ui.render import source_link

    click.echo(answer.text)
    for c in answer.sources:
        moment = moment_label(c.episode, c.start_seconds)
        link = source_link(c) if c.url else None
        click.echo(
            f"\n[{c.n}] {c.title}"
            + (f" ({moment})" if moment else "")
            + (f" <{link}>" if link else "")
        )
        click.echo("    " + " ".join(c.quote.split()))
    click.echo(f"\n{STANDING_NOTE}")


@main.command()
@click.option("--host", help="Address to listen on [env PODCAST_ASSISTANT_HOST; 127.0.0.1].")
@click.option("--port", type=int, help="Port to listen on [env PODCAST_ASSISTANT_PORT; 7860].")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the web chat until stopped with Ctrl-C.

    One app: the chat at /, its compact form for iframes at /embed, the website widget at
    /widget.js, POST /api/chat (streamed) and /api/ask, POST /api/feedback, /healthz (the
    process is up: at once) and /readyz (200 once questions can be answered).
    Answers, votes and rate-limit windows are kept in the database (PODCAST_ASSISTANT_DATABASE_URL;
    feedback.sqlite3 in the data dir by default; see `report` and /admin).

    \b
    Examples:
      podcast-assistant serve --port 8000
      PODCAST_ASSISTANT_ALLOWED_ORIGINS=https://backinshape.example podcast-assistant serve
    """
    from ui.startup import serve_until_stopped

    settings = _settings(ctx)
    host = host or settings.host
    port = port or settings.port
    click.echo(f"Serving the chat on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    # The rate limit is per client address: X-Forwarded-For counts only from the proxies in
    # PODCAST_ASSISTANT_TRUSTED_PROXIES (none by default), never from 127.0.0.1 as such.
    serve_until_stopped(settings, host, port, SHUTDOWN_GRACE_SECONDS)


main.add_command(report)
main.add_command(forget)


@main.command("eval")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.option("--min-recall-at-1", type=float, default=0.0, show_default=True)
@click.option("--min-recall-at-5", type=float, default=0.95, show_default=True)
@click.option("--min-mrr", type=float, default=0.0, show_default=True)
@click.option(
    "--min-refusal",
    type=float,
    default=1.0,
    show_default=True,
    help="Least share of off-topic questions refused.",
)
@click.option(
    "--min-red-flag",
    type=float,
    default=1.0,
    show_default=True,
    help="Least share of red-flag questions given the urgent-care message.",
)
@click.option(
    "--min-near-miss",
    type=float,
    default=1.0,
    show_default=True,
    help="Least share of near-miss questions NOT flagged as urgent.",
)
@click.option("--min-citation-validity", type=float, default=1.0, show_default=True)
@click.pass_context
def evaluate(ctx: click.Context, file: Path, as_json: bool, **least: float) -> None:
    """Run the question set FILE against the ingested store and score it.

    Prints recall@1/@5 and MRR of the expected passages, refusal accuracy on off-topic
    questions, red-flag accuracy, near-miss accuracy (no false red flags) and citation
    validity (every cited quote found verbatim in its source). Exits 1 when a figure is
    below its threshold.

    \b
    Example:
      podcast-assistant eval evals/questions.jsonl
      podcast-assistant eval evals/questions.jsonl --json --min-recall-at-5 0.9
    """
    from assistant.evaluation import EvalFileError, Thresholds, below, evaluate, load_cases

    try:
        cases = load_cases(file)
    except EvalFileError as exc:
        raise click.ClickException(str(exc)) from exc
    report = evaluate(_open_assistant(_settings(ctx)), cases)
    thresholds = Thresholds(
        recall_at_1=least["min_recall_at_1"],
        recall_at_5=least["min_recall_at_5"],
        mrr=least["min_mrr"],
        refusal_accuracy=least["min_refusal"],
        red_flag_accuracy=least["min_red_flag"],
        near_miss_accuracy=least["min_near_miss"],
        citation_validity=least["min_citation_validity"],
    )
    failing = below(report, thresholds)
    report["passed"] = not failing
    if as_json:
        click.echo(json.dumps(report))
    else:
        for name, value in report["figures"].items():
            click.echo(f"{name:<20} {'-' if value is None else f'{value:.3f}'}")
        click.echo("cases: " + ", ".join(f"{k} {n}" for k, n in report["counts"].items()))
        for name, ids in report["failed"].items():
            click.echo(f"{name}: {', '.join(ids)}")
    for line in failing:
        click.echo(f"below threshold: {line}", err=True)
    if failing:
        ctx.exit(1)


def _open_assistant(settings: Settings) -> "Assistant":
    from assistant.answering import Assistant

    assistant = Assistant.from_settings(settings)
    if assistant.store.count() == 0:
        raise click.ClickException(
            f"nothing has been ingested into {settings.data_dir} yet; "
            "run `podcast-assistant ingest` first"
        )
    return assistant


if __name__ == "__main__":
    sys.exit(main())
