"""Answers the client cannot use: a proxy's HTML, JSON of the wrong shape, a missing or
malformed field, JSON nested without end, a body without end. Each is one of our errors in one
sentence, never a bare KeyError/TypeError/RecursionError or a hang.

Airbyte answers with a few MB at most (a page of 100 connections with their streams), so the
client reads at most ``MAX_ANSWER_BYTES`` (64 MiB) of an answer: a 50 MB one is read, and one
larger or without end is refused once that much has come, not read into memory until the worker
dies. The sandbox, a correct server, cannot send most of these: the scripted server
(``answers.py``) does."""

from __future__ import annotations

import pytest

from airbyte_cloud_dagster.api import AirbyteResponseError, AirbyteServerError

from .answers import CONNECTION_ID, JOB
from .expect import CHECK_API_URL, WRONG_API_URL, assert_clear

MAX_ANSWER_BYTES = 64 * 2**20  # api/responses.py's, as its message says it


def test_a_proxys_html_502_is_a_server_error_that_says_to_try_later(airbyte_sandbox, client):
    airbyte_sandbox.faults.fail("/connections", 502, times=10, method="GET")

    with pytest.raises(AirbyteServerError) as raised:
        client.list_connections()

    assert_clear(
        raised.value,
        AirbyteServerError,
        problem=["GET /v1/connections returned 502 on every retry", "502 Bad Gateway"],
        fix=["Airbyte or a proxy in front of it is failing; try again later"],
    )


def test_a_200_that_is_not_json_says_api_url_looks_wrong(scripted, scripted_client):
    scripted.reply(b"<html><body>Welcome to nginx!</body></html>", kind="text/html")

    with pytest.raises(AirbyteResponseError) as raised:
        scripted_client.get_job(3)

    assert_clear(
        raised.value,
        AirbyteResponseError,
        problem=["GET /v1/jobs/3 returned 200 but the body is not JSON", "Welcome to nginx!"],
        fix=[WRONG_API_URL],
    )


@pytest.mark.parametrize(
    ("answer", "call", "problem", "fix"),
    [
        pytest.param(
            [JOB],
            lambda client: client.get_job(3),
            "a job that is not a JSON object (got list",
            CHECK_API_URL,
            id="list-for-an-object",
        ),
        pytest.param(
            {"data": JOB},
            lambda client: client.list_jobs(),
            "GET /v1/jobs returned a page without a 'data' list",
            WRONG_API_URL,
            id="object-for-a-list",
        ),
        pytest.param(
            {"streamName": "charges"},
            lambda client: client.get_stream_properties(CONNECTION_ID),
            "returned a JSON object instead of a list of stream properties",
            CHECK_API_URL,
            id="object-for-a-bare-list",
        ),
        pytest.param(
            {key: value for key, value in JOB.items() if key != "status"},
            lambda client: client.get_job(3),
            "a job 3 without the required field 'status'",
            CHECK_API_URL,
            id="missing-field",
        ),
        pytest.param(
            {**JOB, "jobId": "42"},
            lambda client: client.get_job(42),
            "field 'jobId' is malformed (expected int, got str '42')",
            CHECK_API_URL,
            id="job-id-as-a-numeric-string",
        ),
        pytest.param(
            {**JOB, "jobId": "abc"},
            lambda client: client.get_job(3),
            "field 'jobId' is malformed (expected int, got str 'abc')",
            CHECK_API_URL,
            id="job-id-as-a-word",
        ),
        pytest.param(
            {"POST": {**JOB, "jobId": "abc"}, "GET": {"data": []}},  # no sync running yet
            lambda client: client.trigger_sync(CONNECTION_ID),
            "field 'jobId' is malformed (expected int, got str 'abc')",
            CHECK_API_URL,
            id="started-job-id-as-a-word",
        ),
    ],
)
def test_json_of_the_wrong_shape_names_what_was_expected(
    scripted, scripted_client, answer, call, problem, fix
):
    # A jobId "42" is refused too: the spec's JobResponse.jobId is an int64, and a string there
    # means something other than Airbyte answered; taking it would hide that.
    if isinstance(answer, dict) and set(answer) == {"GET", "POST"}:
        for method, document in answer.items():
            scripted.reply_json(document, method=method)
    else:
        scripted.reply_json(answer)

    with pytest.raises(AirbyteResponseError) as raised:
        call(scripted_client)

    assert_clear(raised.value, AirbyteResponseError, problem=[problem], fix=[fix])


def test_json_nested_too_deep_to_parse_is_a_response_error(scripted, scripted_client):
    scripted.reply(b"[" * 100_000 + b"]" * 100_000)

    with pytest.raises(AirbyteResponseError) as raised:
        scripted_client.get_job(3)

    assert_clear(
        raised.value,
        AirbyteResponseError,
        problem=["GET /v1/jobs/3 returned 200 with JSON nested too deep to read"],
        fix=[WRONG_API_URL],
    )


@pytest.mark.parametrize("declared_length", [None, 2**30], ids=["no-length", "a-length-of-1-GiB"])
def test_an_answer_without_end_is_refused_after_64_mib(scripted, scripted_client, declared_length):
    scripted.reply_without_end(cap=MAX_ANSWER_BYTES + 32 * 2**20, declared_length=declared_length)

    with pytest.raises(AirbyteResponseError) as raised:
        scripted_client.get_job(3)

    assert_clear(
        raised.value,
        AirbyteResponseError,
        problem=["GET /v1/jobs/3 returned an answer larger than 64 MiB"],
        fix=[CHECK_API_URL],
    )
    assert scripted.streamed.wait(10)
    # What the client took in before hanging up: at most the limit (and the socket buffers').
    assert scripted.sent <= MAX_ANSWER_BYTES + 8 * 2**20
    if declared_length is not None:
        assert scripted.sent <= 8 * 2**20  # refused on its Content-Length, before reading


@pytest.mark.slow
def test_a_50_mb_answer_is_read(scripted, scripted_client):
    scripted.reply_json({**JOB, "padding": "x" * 50_000_000})

    assert scripted_client.get_job(3).job_id == 3
