"""The Steunpunt team behind the staff group: its office hours and how long clients wait,
from content/handover.yml (validated like the organisation files)."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from pydantic import Field, model_validator

from bot.organisations import CONTENT, Issue, OfficeHours, Strict, read_yaml, validate_model

HANDOVER_FILE = CONTENT / "handover.yml"


class HandoverTeam(Strict):
    name: str = Field(min_length=1)
    answer_within_minutes: int = Field(ge=1, le=7 * 24 * 60)
    remind_staff_after_minutes: int = Field(ge=1, le=7 * 24 * 60)
    office_hours: OfficeHours

    @model_validator(mode="after")
    def _open_sometime(self) -> HandoverTeam:
        if self.office_hours.next_opening(datetime(2026, 1, 1).astimezone()) is None:
            raise ValueError("office_hours has no opening at all")
        return self

    def is_open(self, moment: datetime) -> bool:
        return self.office_hours.is_open(moment)

    def next_opening(self, moment: datetime) -> datetime | None:
        return self.office_hours.next_opening(moment)

    def remind_before(self, now: datetime) -> datetime:
        """Tickets made before this moment have waited long enough for a reminder."""
        return now - timedelta(minutes=self.remind_staff_after_minutes)


def read_team(path: Path = HANDOVER_FILE) -> tuple[HandoverTeam | None, list[Issue]]:
    data, node, issues = read_yaml(path)
    if issues:
        return None, issues
    return validate_model(HandoverTeam, path, data, node)


@cache
def handover_team(path: Path = HANDOVER_FILE) -> HandoverTeam:
    team, issues = read_team(path)
    if team is None:
        raise ValueError("; ".join(str(issue) for issue in issues))
    return team

