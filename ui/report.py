"""`podcast-assistant report`: what listeners asked that the podcast didn't answer well."""

import json
from datetime import datetime

import click

DATES = click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"])


def unanswered_groups(feedback, embedder, since=None, until=None, similarity=0.6, limit=None):
    """The refused and thumbs-down questions of a period grouped by meaning (the report's
    groups), biggest first; with `limit`, only the latest `limit` questions are grouped."""
    from ui.feedback import group_similar

    exchanges = feedback.unanswered(since, until)
    if limit is not None:
        exchanges = exchanges[-limit:]
    vectors = embedder.encode([e.question for e in exchanges]) if exchanges else []
    return exchanges, group_similar(exchanges, vectors, similarity)


@click.command()
@click.option(
    "--since", type=DATES, help="Only questions asked on or after this date (UTC), e.g. 2026-11-01."
)
@click.option(
    "--similarity",
    type=click.FloatRange(0.0, 1.0),
    default=0.6,
    show_default=True,
    help="How alike (cosine) two questions must be to share a group.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the groups as one JSON object.")
@click.option(
    "--csv", "as_csv", is_flag=True, help="Print one CSV row per question, with its group."
)
@click.pass_context
def report(
    ctx: click.Context, since: datetime | None, similarity: float, as_json: bool, as_csv: bool
) -> None:
    """What listeners asked that the podcast didn't answer well.

    Lists the questions that were refused or got a thumbs-down in the chat, grouped by
    meaning, most frequent first: topics the podcast hasn't covered yet. Read from the
    database (PODCAST_ASSISTANT_DATABASE_URL; feedback.sqlite3 in the data dir by default).

    \b
    Examples:
      podcast-assistant report
      podcast-assistant report --since 2026-11-01 --json
      podcast-assistant report --csv > unanswered.csv
    """
    from assistant.embedding import load_embedder
    from ui.feedback import FeedbackStore

    if as_json and as_csv:
        raise click.UsageError("give --json or --csv, not both")
    settings = ctx.find_root().obj
    if not settings.database_url and not settings.feedback_path.exists():
        raise click.ClickException(
            f"no feedback has been recorded in {settings.data_dir} yet; run `serve` first"
        )
    feedback = FeedbackStore(settings.feedback_url)
    exchanges, groups = unanswered_groups(
        feedback, load_embedder(settings), since, similarity=similarity
    )
    if as_csv:
        _echo_csv(groups)
    elif as_json:
        _echo_json(since, exchanges, groups)
    else:
        _echo_text(since, exchanges, groups)


def _echo_csv(groups) -> None:
    from ui.export import csv_lines, report_rows

    for line in csv_lines(report_rows(groups)):
        click.echo(line, nl=False)


def _echo_json(since, exchanges, groups) -> None:
    from ui.terminal import json_for_terminal

    payload = {
        "since": since.date().isoformat() if since else None,
        "questions": len(exchanges),
        "groups": [g.to_json() for g in groups],
    }
    click.echo(json_for_terminal(json.dumps(payload, ensure_ascii=False)))


def _echo_text(since, exchanges, groups) -> None:
    from ui.terminal import printable

    if not groups:
        click.echo(
            "No refused or thumbs-down questions" + (f" since {since:%Y-%m-%d}." if since else ".")
        )
        return
    click.echo(f"{len(exchanges)} questions refused or voted down, in {len(groups)} groups:")
    for i, group in enumerate(groups, 1):
        why = f"{group.refused} refused, {group.thumbs_down} thumbs-down"
        first = printable(group.questions[0].question)
        click.echo(f"\n{i}. {first}  ({len(group.questions)}x: {why})")
        for exchange in group.questions[1:]:
            click.echo(f"   - {printable(exchange.question)}")
