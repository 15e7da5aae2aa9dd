"""One readable line per change event, shared by the CLI and the console."""

from __future__ import annotations

from domain.change_text import change_details


def test_a_table_creation_reads_as_its_fields_without_the_job_or_the_dictionary() -> None:
    payload = {"kind": "table", "owner": "postgres", "bulkId": "5f0c", "status": "enabled", "columns": 2,
               "dictionary": [{"name": "id", "dataType": "integer"}], "comment": None}
    assert change_details(payload, "object.created") == "kind=table, owner=postgres, status=enabled, columns=2"


def test_a_type_change_reads_before_and_after() -> None:
    payload = {"column": "quantity", "before": {"dataType": "integer"}, "after": {"dataType": "numeric(10,2)"}}
    assert change_details(payload, "column.type_changed") == "quantity: dataType integer → numeric(10,2)"


def test_a_rename_reads_old_name_to_new() -> None:
    payload = {"column": "total", "before": {"name": "amount"}, "after": {"name": "total"}}
    assert change_details(payload, "column.renamed") == "total: name amount → total"


def test_an_added_column_and_a_removed_one() -> None:
    assert change_details({"column": "tier", "after": {"dataType": "text", "comment": None}}, "column.added") == \
        "tier: added dataType=text"
    assert change_details({"column": "tier", "before": {"dataType": "text"}}, "column.deleted") == \
        "tier: removed, was dataType=text"


def test_a_request_about_a_deleted_column_and_a_disabled_data_source_are_not_called_added() -> None:
    request = {"requestId": 7, "kind": "column_deleted", "column": "tier", "owners": [1], "before": None,
               "sourceEventId": "0b8f", "after": {"status": "pending"}, "bulkId": "5f0c"}
    assert change_details(request, "request.created") == "tier: requestId=7, kind=column_deleted, status=pending"
    disabled = {"kind": "table", "after": {"status": "disabled"}, "bulkId": None}
    assert change_details(disabled, "data_source.disabled") == "kind=table, status=disabled"
    assert change_details({"kind": "table", "after": {"status": "enabled"}}, "data_source.enabled") == \
        "kind=table, status=enabled"
