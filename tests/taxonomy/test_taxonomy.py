from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from django.conf import settings

from backend.demo.services import fixtures_dir
from backend.taxonomy.models import Category, Department
from backend.taxonomy.services import taxonomy_load
from backend.taxonomy.sla import add_working_days, deadline_for

AMS = ZoneInfo("Europe/Amsterdam")
SHARED = Path(settings.BASE_DIR).parent / "shared" / "taxonomy.yaml"


def _flatten(data: dict) -> dict:
    out = {"departments": {d["code"]: (d["nl"], d["en"]) for d in data["departments"]}}
    for main in data["categories"]:
        out[main["slug"]] = (main["nl"], main["en"])
        for sub in main["sub"]:
            out[f"{main['slug']}/{sub['slug']}"] = (
                sub["nl"],
                sub["en"],
                sub.get("department"),
                sub.get("sla"),
                sub.get("sla_hours"),
            )
    return out


def test_fixture_carries_exactly_the_shared_taxonomy():
    assert SHARED.exists(), "the reference taxonomy lies beside the checkout in ../shared/"
    ours = yaml.safe_load((fixtures_dir() / "taxonomy.yaml").read_text())
    reference = yaml.safe_load(SHARED.read_text())
    subs = [sub for main in reference["categories"] for sub in main["sub"]]
    assert reference["departments"] and subs, "the reference taxonomy is empty"
    assert _flatten(ours) == _flatten(reference)


@pytest.mark.django_db
def test_loaded_tree_matches_fixture_and_loading_is_idempotent():
    data = yaml.safe_load((fixtures_dir() / "taxonomy.yaml").read_text())
    before = Category.objects.count()
    taxonomy_load(data=data)
    assert Category.objects.count() == before
    subs = sum(len(main["sub"]) for main in data["categories"])
    assert Category.objects.filter(parent__isnull=False).count() == subs
    assert Department.objects.count() == len(data["departments"])
    light = Category.objects.get(path="wegen-verkeer-straatmeubilair/verkeerslicht")
    assert (light.department.code, light.sla_hours, light.sla_working_days) == ("OVL", 4, None)
    assert light.parent.slug == "wegen-verkeer-straatmeubilair"


@pytest.mark.django_db
def test_a_category_dropped_from_the_file_is_kept_but_inactive():
    data = yaml.safe_load((fixtures_dir() / "taxonomy.yaml").read_text())
    data["categories"] = [c for c in data["categories"] if c["slug"] != "overig"]
    taxonomy_load(data=data)
    assert Category.objects.get(path="overig/overig").is_active is False


def test_working_days_skip_weekends_and_dutch_holidays():
    friday = datetime(2026, 4, 24, 15, 0, tzinfo=AMS)
    # Mon 27 April is King's Day: Fri + 2 working days = Wed 29 April, same time of day.
    assert add_working_days(friday, 2) == datetime(2026, 4, 29, 15, 0, tzinfo=AMS)
    christmas_eve = datetime(2026, 12, 24, 9, 30, tzinfo=AMS)
    # 25 and 26 Dec are holidays, 26/27 the weekend: the next working day is Mon 28 Dec.
    assert add_working_days(christmas_eve, 1) == datetime(2026, 12, 28, 9, 30, tzinfo=AMS)


def test_working_days_keep_wall_clock_time_across_daylight_saving():
    friday = datetime(2026, 3, 27, 10, 0, tzinfo=AMS)  # clocks go forward on Sun 29 March
    deadline = add_working_days(friday, 1)
    assert deadline.astimezone(AMS).hour == 10
    assert deadline.astimezone(AMS).date().isoformat() == "2026-03-30"


def test_sla_hours_count_calendar_hours():
    saturday_night = datetime(2026, 5, 2, 23, 0, tzinfo=AMS)
    assert deadline_for(sla_working_days=None, sla_hours=4, start=saturday_night) == datetime(
        2026, 5, 3, 3, 0, tzinfo=AMS
    )
    assert deadline_for(sla_working_days=None, sla_hours=None, start=saturday_night) is None
