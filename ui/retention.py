"""How long listeners' questions are kept: `PODCAST_ASSISTANT_RETENTION_DAYS`, applied when
`serve` starts and daily after, and `podcast-assistant forget` to delete them on demand."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # the CLI imports this module; numpy and SQLAlchemy only when used
    from ui.feedback import FeedbackStore

log = logging.getLogger(__name__)

DAY_SECONDS = 24 * 3600


def apply_retention(feedback: "FeedbackStore", days: int, now: datetime | None = None) -> int:
    """Delete the questions older than `days` days (none when `days` is 0); how many went."""
    if days <= 0:
        return 0
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    forgotten = feedback.forget(cutoff)
    if forgotten:
        log.info("forgot %d questions older than %d days", forgotten, days)
    return forgotten


def retention_lifespan(
    feedback: "FeedbackStore", days: int, every: float = DAY_SECONDS
) -> Callable[[object], contextlib.AbstractAsyncContextManager[None]]:
    """A lifespan for the app: retention applied at start-up, then every `every` seconds
    until shutdown."""

    async def keep_applying() -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await asyncio.to_thread(apply_retention, feedback, days)
            except Exception:  # a locked or broken file must not stop the schedule
                log.exception("applying the question retention failed")

    @contextlib.asynccontextmanager
    async def lifespan(app: object) -> AsyncIterator[None]:
        await asyncio.to_thread(apply_retention, feedback, days)
        task = asyncio.create_task(keep_applying())
        try:
            yield
        finally:
            task.cancel()

    return lifespan


@click.command()
@click.option(
    "--before",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]),
    help="Delete the questions asked before this date (UTC), e.g. 2026-09-01.",
)
@click.option("--all", "everything", is_flag=True, help="Delete every stored question.")
@click.pass_context
def forget(ctx: click.Context, before: datetime | None, everything: bool) -> None:
    """Delete stored listeners' questions with their answers and votes.

    Questions are kept in the database (PODCAST_ASSISTANT_DATABASE_URL; feedback.sqlite3 in
    the data dir by default) for PODCAST_ASSISTANT_RETENTION_DAYS
    (default 90; `serve` deletes older ones daily). This deletes them now.

    \b
    Examples:
      podcast-assistant forget --before 2026-09-01
      podcast-assistant forget --all
    """
    from ui.feedback import FeedbackStore

    if (before is None) == (not everything):
        raise click.UsageError("give either --before DATE or --all")
    settings = ctx.find_root().obj
    if not settings.database_url and not settings.feedback_path.exists():
        click.echo("No questions are stored.")
        return
    forgotten = FeedbackStore(settings.feedback_url).forget(None if everything else before)
    click.echo(f"Deleted {forgotten} question{'s' if forgotten != 1 else ''}.")
