"""Deadlines from a category's service level.

Working days skip weekends and Dutch public holidays and keep the time of day; urgent
categories count calendar hours instead.
"""

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings


@lru_cache(maxsize=32)
def _dutch_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("NL", years=year).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _dutch_holidays(day.year)


def add_working_days(start: datetime, days: int) -> datetime:
    local = start.astimezone(ZoneInfo(settings.TIME_ZONE))
    current = local
    remaining = days
    while remaining > 0:
        current = current + timedelta(days=1)
        if is_working_day(current.date()):
            remaining -= 1
    # Rebuild from the wall-clock time so a daylight-saving change in between keeps "same time".
    naive = datetime.combine(current.date(), local.time().replace(tzinfo=None))
    return naive.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))


def deadline_for(
    *, sla_working_days: int | None, sla_hours: int | None, start: datetime
) -> datetime | None:
    if sla_hours is not None:
        return start + timedelta(hours=sla_hours)
    if sla_working_days is not None:
        return add_working_days(start, sla_working_days)
    return None
