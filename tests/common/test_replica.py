"""Reads from a replica where configured: a second database stands in for it, holding other
rows than the primary, so each answer tells which database it came from."""

import uuid

import pytest
from django.contrib.gis.geos import Point

from backend.common.replica import replica_reading, replica_reads
from backend.reports.actors import ActorRef
from backend.reports.models import Report
from backend.reports.services.workflow import report_transition
from backend.reports.tracking import tracking_token_for, tracking_token_hash_for
from tests.conftest import DAM
from tests.reports.factories import make_report

# Committed on both: a read inside a transaction stays on the primary (a service's locking read),
# so the reads under test must run outside one, as a request's do.
pytestmark = pytest.mark.django_db(databases=["default", "replica"], transaction=True)
STAFF = "/api/v1/staff/reports/"
PUBLIC = "/api/v1/public/reports/"


def _only_on_the_replica() -> Report:
    report_id = uuid.uuid4()
    return Report.objects.using("replica").create(
        id=report_id,
        tracking_token_hash=tracking_token_hash_for(report_id),
        location=Point(DAM[1], DAM[0], srid=4326),
        text="Alleen op de replica",
    )


@pytest.fixture
def two_databases(settings):
    """One report on the primary, another on the replica only; reads to the replica on."""
    settings.DATABASE_REPLICA_READS = True
    return make_report(text="Op de primaire database"), _only_on_the_replica()


def _listed(staff_client) -> set[str]:
    response = staff_client.get(STAFF)
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


def test_the_dispatchers_list_is_read_from_the_replica(two_databases, staff_client):
    _, replica = two_databases
    assert _listed(staff_client) == {str(replica.id)}


def test_without_replica_reads_the_list_comes_from_the_primary(
    two_databases, staff_client, settings
):
    primary, _ = two_databases
    settings.DATABASE_REPLICA_READS = False
    assert _listed(staff_client) == {str(primary.id)}


def test_the_residents_own_report_and_the_staff_detail_come_from_the_primary(
    two_databases, staff_client, public_client
):
    primary, replica = two_databases
    own = public_client.get(f"{PUBLIC}{tracking_token_for(primary.id)}/")
    assert own.status_code == 200 and own.json()["text"] == "Op de primaire database"
    assert public_client.get(f"{PUBLIC}{tracking_token_for(replica.id)}/").status_code == 404
    assert staff_client.get(f"{STAFF}{primary.id}/").status_code == 200
    assert staff_client.get(f"{STAFF}{replica.id}/").status_code == 404


def test_writes_and_their_reads_go_to_the_primary_even_inside_a_replica_read(two_databases):
    primary, replica = two_databases
    with replica_reading():
        # The unit of work's locking read finds the report on the primary, and writes there.
        report_transition(report_id=primary.id, actor=ActorRef.system(), to="in_progress")
    assert Report.objects.using("default").get(pk=primary.id).status == "in_progress"
    assert not Report.objects.using("replica").filter(pk=primary.id).exists()
    # A row read from the replica and saved goes to the primary (where it does not exist yet:
    # the replica would have it from the primary in real life; here it is only a stand-in).
    row = Report.objects.using("replica").get(pk=replica.id)
    row.text = "bewerkt"
    row.save()
    assert Report.objects.using("default").get(pk=replica.id).text == "bewerkt"
    assert Report.objects.using("replica").get(pk=replica.id).text == "Alleen op de replica"


def test_the_helpers_for_other_readers(two_databases, settings):
    primary, replica = two_databases
    assert set(replica_reads(Report.objects.all()).values_list("id", flat=True)) == {replica.id}
    with replica_reading():
        assert set(Report.objects.values_list("id", flat=True)) == {replica.id}
    assert set(Report.objects.values_list("id", flat=True)) == {primary.id}
    settings.DATABASE_REPLICA_READS = False
    with replica_reading():
        assert set(Report.objects.values_list("id", flat=True)) == {primary.id}
