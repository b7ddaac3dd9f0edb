"""GET /api/v1/staff/reports/: every filter, search, ordering, the cursor, the count, and a 400
naming the parameter for every bad value."""

import math
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.accounts.services import user_create
from backend.geo.models import Area
from backend.notifications.models import Feedback
from backend.organisations.models import Contractor
from backend.reports.actors import ActorRef
from backend.reports.models import Attachment, Report
from backend.reports.services import report_assign, report_note_add
from backend.taxonomy.models import Department
from tests.conftest import DAM, HAARLEM, NOORD
from tests.reports.factories import make_report

pytestmark = pytest.mark.django_db
BASE = "/api/v1/staff/reports/"


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_status_category_department_priority_source_triage(staff_client):
    a = make_report()
    b = make_report(
        category="wegen-verkeer-straatmeubilair/straatverlichting", source=Report.Source.PHONE
    )
    c = make_report(category=None)
    Report.objects.filter(pk=b.pk).update(priority="high", status="in_progress")
    get = staff_client.get
    assert ids(get(BASE, {"status": "in_progress"})) == {str(b.id)}
    assert ids(get(BASE, {"status": "received,in_progress"})) >= {str(a.id), str(b.id)}
    assert ids(get(BASE, {"category": "afval"})) == {str(a.id)}
    assert ids(get(BASE, {"category": "afval/container-is-vol"})) == {str(a.id)}
    assert ids(get(BASE, {"department": "OVL"})) == {str(b.id)}
    assert ids(get(BASE, {"priority": "high"})) == {str(b.id)}
    assert ids(get(BASE, {"priority": "low,normal"})) == {str(a.id), str(c.id)}
    assert ids(get(BASE, {"source": "phone"})) == {str(b.id)}
    assert ids(get(BASE, {"needs_triage": "true"})) == {str(c.id)}


def test_contractor_and_area(staff_client, dispatcher):
    contractor = Contractor.objects.create(code="groen-bv", name="Groen BV")
    a = make_report(at=DAM)
    b = make_report(at=NOORD)
    report_assign(report_id=a.id, actor=ActorRef.staff(dispatcher), contractor=contractor)
    assert ids(staff_client.get(BASE, {"contractor": "groen-bv"})) == {str(a.id)}
    noord = Area.objects.get(type="district", code="noord")
    assert b.areas.filter(pk=noord.pk).exists()
    assert ids(staff_client.get(BASE, {"area": "district:noord"})) == {str(b.id)}
    assert ids(staff_client.get(BASE, {"area": "district:centrum"})) == {str(a.id)}


def test_punctuality(staff_client):
    now = timezone.now()
    on_time = make_report()
    late = make_report()
    far = make_report()
    closed_late = make_report()
    Report.objects.filter(pk=on_time.pk).update(deadline=now + timedelta(days=1))
    # Given one day, late by half a day; given one day, late by four.
    Report.objects.filter(pk=late.pk).update(
        created_at=now - timedelta(days=1, hours=12), deadline=now - timedelta(hours=12)
    )
    Report.objects.filter(pk=far.pk).update(
        created_at=now - timedelta(days=5), deadline=now - timedelta(days=4)
    )
    Report.objects.filter(pk=closed_late.pk).update(
        status="closed",
        resolution="fixed",
        created_at=now - timedelta(days=10),
        deadline=now - timedelta(days=9),
        closed_at=now - timedelta(days=8, hours=12),
    )
    get = staff_client.get
    assert ids(get(BASE, {"punctuality": "overdue"})) == {
        str(late.id),
        str(far.id),
        str(closed_late.id),
    }
    assert ids(get(BASE, {"punctuality": "far_overdue"})) == {str(far.id)}
    assert str(on_time.id) in ids(get(BASE, {"punctuality": "on_time"}))
    assert str(late.id) not in ids(get(BASE, {"punctuality": "on_time"}))


def test_created_and_updated_ranges(staff_client):
    old = make_report()
    new = make_report()
    Report.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=40),
        updated_at=timezone.now() - timedelta(days=40),
    )
    since = (timezone.now() - timedelta(days=1)).date().isoformat()
    assert ids(staff_client.get(BASE, {"created_after": since})) == {str(new.id)}
    assert ids(staff_client.get(BASE, {"created_before": since})) == {str(old.id)}
    assert ids(staff_client.get(BASE, {"updated_after": since})) == {str(new.id)}
    assert ids(staff_client.get(BASE, {"updated_before": since})) == {str(old.id)}


def test_has_photos_and_unsatisfied_feedback(staff_client):
    plain = make_report()
    with_photo = make_report()
    unhappy = make_report()
    Attachment.objects.create(report=with_photo, original_mime_type="image/jpeg", original_size=10)
    Feedback.objects.create(report=unhappy, closing_seq=3, satisfied=False)
    Feedback.objects.create(report=plain, closing_seq=3, satisfied=True)
    assert ids(staff_client.get(BASE, {"has_photos": "true"})) == {str(with_photo.id)}
    assert str(with_photo.id) not in ids(staff_client.get(BASE, {"has_photos": "false"}))
    assert ids(staff_client.get(BASE, {"unsatisfied_feedback": "true"})) == {str(unhappy.id)}


def test_q_searches_text_and_notes_as_prefixes_in_dutch_and_english(staff_client, dispatcher):
    lamp = make_report(text="De lantaarnpaal op de hoek doet het niet meer")
    bins = make_report(text="Overflowing rubbish bins near the playground")
    noted = make_report(text="Iets anders")
    other = make_report(text="Graffiti op de muur")
    report_note_add(report_id=noted.id, author=dispatcher, text="Bewoner belde: gaslek geroken")
    get = staff_client.get
    assert ids(get(BASE, {"q": "lantaarn"})) == {str(lamp.id)}  # a prefix
    assert ids(get(BASE, {"q": "lantaarnpalen"})) == {str(lamp.id)}  # Dutch stemming
    assert ids(get(BASE, {"q": "bin"})) == {str(bins.id)}
    assert ids(get(BASE, {"q": "playgrounds"})) == {str(bins.id)}  # English stemming
    assert ids(get(BASE, {"q": "gaslek"})) == {str(noted.id)}  # in a note
    assert ids(get(BASE, {"q": "hoek lantaarn"})) == {str(lamp.id)}  # every word
    assert ids(get(BASE, {"q": "hoek graffiti"})) == set()
    assert str(other.id) not in ids(get(BASE, {"q": "lantaarn"}))
    assert ids(get(BASE, {"q": "'&|!:*"})) == set()  # nothing to search for: nothing found


def test_bbox_and_near(staff_client):
    dam = make_report(at=DAM)
    noord = make_report(at=NOORD)
    box = "4.88,52.36,4.90,52.38"
    assert ids(staff_client.get(BASE, {"bbox": box})) == {str(dam.id)}
    near = f"{DAM[0]},{DAM[1] + 0.005}"  # about 340 m east of the Dam
    assert ids(staff_client.get(BASE, {"near": near, "radius": 500})) == {str(dam.id)}
    assert ids(staff_client.get(BASE, {"near": near, "radius": 200})) == set()
    assert str(noord.id) in ids(
        staff_client.get(BASE, {"near": f"{NOORD[0]},{NOORD[1]}", "radius": 10})
    )


@pytest.mark.parametrize("bearing", [0, 45, 90, 135, 200, 300])
@pytest.mark.parametrize("metres", [150, 4_000, 9_500])
def test_near_agrees_with_postgis_distance_on_the_sphere_to_the_metre(
    staff_client, bearing, metres
):
    dam = make_report(at=DAM)
    # A centre `metres` away from the Dam in the direction `bearing`, then PostGIS's own
    # distance between them on the sphere: the report is in at that distance + 1 m, out at - 1.
    lat = DAM[0] + metres * math.cos(math.radians(bearing)) / 111_195
    lon = DAM[1] + metres * math.sin(math.radians(bearing)) / (
        111_195 * math.cos(math.radians(DAM[0]))
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Distance(ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography,"
            " ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, false)",
            [DAM[1], DAM[0], lon, lat],
        )
        (distance,) = cursor.fetchone()
    near = f"{lat},{lon}"
    assert ids(staff_client.get(BASE, {"near": near, "radius": int(distance + 1)})) == {str(dam.id)}
    assert ids(staff_client.get(BASE, {"near": near, "radius": int(distance - 1)})) == set()


def test_ordering_and_cursor_pages_both_ways(staff_client):
    made = [make_report() for _ in range(5)]
    now = timezone.now()
    for index, report in enumerate(made):
        Report.objects.filter(pk=report.pk).update(
            created_at=now - timedelta(hours=index),
            deadline=now + timedelta(hours=10 - index) if index != 2 else None,
            priority=["low", "normal", "high", "normal", "low"][index],
        )
    first = staff_client.get(BASE, {"page_size": 2}).json()
    assert [r["id"] for r in first["results"]] == [str(made[0].id), str(made[1].id)]
    assert first["previous"] is None
    second = staff_client.get(first["next"]).json()
    assert [r["id"] for r in second["results"]] == [str(made[2].id), str(made[3].id)]
    back = staff_client.get(second["previous"]).json()
    assert [r["id"] for r in back["results"]] == [str(made[0].id), str(made[1].id)]
    assert back["previous"] is None

    oldest = staff_client.get(BASE, {"ordering": "created"}).json()["results"]
    assert oldest[0]["id"] == str(made[4].id)
    by_deadline = [
        r["id"] for r in staff_client.get(BASE, {"ordering": "deadline"}).json()["results"]
    ]
    assert by_deadline[0] == str(made[4].id) and by_deadline[-1] == str(made[2].id)
    by_priority = staff_client.get(BASE, {"ordering": "-priority"}).json()["results"]
    assert by_priority[0]["id"] == str(made[2].id)
    pages = []
    url, params = BASE, {"ordering": "-priority", "page_size": 2}
    while url:
        body = staff_client.get(url, params).json()
        pages += [r["id"] for r in body["results"]]
        url, params = body["next"], None
    assert sorted(pages) == sorted(str(r.id) for r in made) and len(pages) == 5
    updated = staff_client.get(BASE, {"ordering": "-updated"})
    assert updated.status_code == 200 and len(updated.json()["results"]) == 5


def test_a_tampered_or_foreign_cursor_is_a_400_naming_it(staff_client):
    for _ in range(3):
        make_report()
    next_url = staff_client.get(BASE, {"page_size": 1}).json()["next"]
    cursor = next_url.split("cursor=")[1].split("&")[0]
    tampered = cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")
    for value, params in (
        (tampered, {}),
        ("garbage", {}),
        (cursor, {"ordering": "created"}),  # made for -created
    ):
        response = staff_client.get(BASE, {"cursor": value, "page_size": 1, **params})
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["cursor"]


def test_count_is_exact_when_few_and_an_estimate_when_many(staff_client, settings, monkeypatch):
    for _ in range(4):
        make_report()
    body = staff_client.get(BASE).json()
    assert body["count"] == 4 and body["count_is_estimate"] is False
    monkeypatch.setattr("backend.reports.search.EXACT_COUNT_LIMIT", 2)
    body = staff_client.get(BASE).json()
    assert body["count_is_estimate"] is True and body["count"] >= 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"status": ","}, "status"),
        ({"category": "nope"}, "category"),
        ({"department": "NOPE"}, "department"),
        ({"contractor": "nope"}, "contractor"),
        ({"area": "district"}, "area"),
        ({"area": "district:atlantis"}, "area"),
        ({"priority": "urgent"}, "priority"),
        ({"source": "pigeon"}, "source"),
        ({"needs_triage": "maybe"}, "needs_triage"),
        ({"punctuality": "late"}, "punctuality"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"created_before": "2026-13-01"}, "created_before"),
        ({"updated_after": "2026-02-01", "updated_before": "2026-01-01"}, "updated_before"),
        ({"has_photos": "some"}, "has_photos"),
        ({"unsatisfied_feedback": "2"}, "unsatisfied_feedback"),
        ({"q": "x" * 201}, "q"),
        ({"bbox": "4.9,52.3,4.8,52.4"}, "bbox"),  # min lon > max lon
        ({"bbox": "4.8,52.4,4.9,52.3"}, "bbox"),  # min lat > max lat
        ({"bbox": "-10,40,20,60"}, "bbox"),  # more than a country
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"bbox": "4.8,52.3,nan,52.4"}, "bbox"),
        ({"near": "52.37,4.89"}, "radius"),
        ({"radius": "100"}, "near"),
        ({"near": "52.37,4.89", "radius": "10001"}, "radius"),
        ({"near": "52.37,4.89", "radius": "0"}, "radius"),
        ({"near": "95,4.89", "radius": "100"}, "near"),
        ({"near": "52.37", "radius": "100"}, "near"),
        ({"ordering": "text"}, "ordering"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "201"}, "page_size"),
        ({"page": "2"}, "page"),  # gone: pages are cursors now
        ({"sort": "created"}, "sort"),
    ],
)
def test_every_bad_value_is_a_400_naming_the_parameter(staff_client, params, field):
    response = staff_client.get(BASE, params)
    assert response.status_code == 400, (params, response.content)
    assert field in response.json()["error"]["fields"], response.json()


def test_the_number_of_queries_does_not_grow_with_the_rows(staff_client, dispatcher):
    def queries(params) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(BASE, params).status_code == 200
        return len(captured)

    make_report()
    params = {"q": "container", "area": "district:centrum", "has_photos": "false"}
    queries({})  # the token's first use of the run stamps it (a write of its own)
    few, few_filtered = queries({}), queries(params)
    for index in range(12):
        report = make_report(category=None if index % 3 else "afval/container-is-vol")
        report_note_add(report_id=report.id, author=dispatcher, text="container")
    assert queries({}) == few
    assert queries(params) == few_filtered


def test_department_staff_see_their_department_only(dispatcher):
    from rest_framework.test import APIClient

    from backend.accounts.services import api_token_create

    ovl = Department.objects.get(code="OVL")
    user = user_create(username="ovl", role="department", department=ovl)
    _, key = api_token_create(user=user, name="t")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    mine = make_report(category="wegen-verkeer-straatmeubilair/straatverlichting")
    theirs = make_report()
    assert mine.department_id == ovl.pk and theirs.department_id != ovl.pk
    assert ids(client.get(BASE)) == {str(mine.id)}
    assert ids(client.get(BASE, {"department": theirs.department.code})) == set()
    assert client.get(f"{BASE}{theirs.id}/").status_code == 404
    assert client.get(f"{BASE}{mine.id}/").status_code == 200
    assert HAARLEM  # the demo points stay importable for the other tests


def test_q_finds_a_short_id_and_rows_carry_short_id_and_address(staff_client):
    wanted = make_report(text="Iets")
    make_report(text="Iets anders")
    assert wanted.short_id
    for q in (wanted.short_id, wanted.short_id.lower()):
        response = staff_client.get(BASE, {"q": q})
        assert ids(response) == {str(wanted.id)}
        row = response.json()["results"][0]
        assert row["short_id"] == wanted.short_id and "address" in row
