"""Every change to a report goes through the reports app's unit of work (backend/reports/
change.py): no other module locks a report for change or appends to its history, and no other
app reads or writes the reports app's tables in SQL of its own."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOOR = ROOT / "backend/reports/change.py"
SQL = ROOT / "backend/reports/sql.py"


def _modules() -> list[Path]:
    found = [
        path
        for top in ("backend", "frontend_api")
        for path in (ROOT / top).rglob("*.py")
        if "migrations" not in path.parts
    ]
    assert len(found) > 100, "the walk found too few modules to mean anything"
    return found


def _root_name(node: ast.AST) -> str | None:
    """`Report` for `Report.objects.select_related(...).select_for_update`."""
    while isinstance(node, ast.Attribute | ast.Call):
        node = node.value if isinstance(node, ast.Attribute) else node.func
    return node.id if isinstance(node, ast.Name) else None


def _report_locks(tree: ast.AST) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "select_for_update"
        and _root_name(node.func.value) == "Report"
    ]


def _event_appends(tree: ast.AST) -> list[int]:
    lines = [
        node.lineno
        for node in ast.walk(tree)
        if (isinstance(node, ast.Name) and node.id == "events_write")
        or (isinstance(node, ast.Attribute) and node.attr == "events_write")
    ]
    lines += [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and any(a.name == "events_write" for a in node.names)
    ]
    return lines


def test_only_the_unit_of_work_locks_reports_and_appends_events():
    offenders = []
    for path in _modules():
        tree = ast.parse(path.read_text(), filename=str(path))
        if path != DOOR:
            offenders += [
                f"{path.relative_to(ROOT)}:{n} locks a report" for n in _report_locks(tree)
            ]
        if path not in (DOOR, SQL):
            offenders += [
                f"{path.relative_to(ROOT)}:{n} appends events" for n in _event_appends(tree)
            ]
    assert offenders == []


def test_the_checks_see_a_lock_and_an_append():
    # The walk above must be able to fail: it finds the door's own.
    tree = ast.parse(DOOR.read_text())
    assert _report_locks(tree) and _event_appends(tree)


def test_no_other_app_runs_sql_on_the_reports_tables():
    offenders = []
    for path in _modules():
        if path.is_relative_to(ROOT / "backend/reports"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and "reports_report" in node.value
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_no_module_is_over_450_lines():
    long = {
        str(path.relative_to(ROOT)): lines
        for path in _modules()
        if (lines := len(path.read_text().splitlines())) > 450
    }
    assert long == {}
