"""The bad-input matrix (issue 18): each case asserts the exact error class (ours, or Dagster's
where that is the layer; never a bare KeyError/TypeError/ValueError/AttributeError), that the
message names what was wrong and what to do, in one sentence (``expect.assert_clear``), and, for
a sync, that no job is left running. Real HTTP: the sandbox where it can produce the input, else
the scripted server of ``answers.py`` (200s with unusable bodies).

- ``test_configuration``: client and resource settings: two kinds of credentials, half of one,
  ``api_url`` without scheme, plain http:// to a remote host, request/sync timeouts negative,
  NaN or infinite, misspelt ``workspaceId=`` / ``sync_timout=`` / ``client_secert=``, an unset
  ``EnvVar`` (a secret, the workspace), no credentials where Airbyte requires them.
- ``test_ids``: malformed connection and job ids, unknown ones (404), an inactive and a deleted
  connection synced (from Python and from a run), bad ``list_jobs`` filters.
- ``test_answers``: a proxy's HTML 502, a 200 that is not JSON, a list for an object and an
  object for a list, a missing field, ``jobId`` ``"42"`` / ``"abc"``, JSON nested too deep, a
  body without end (refused after 64 MiB) and a 50 MB one (read).
- ``test_dates``: Airbyte's times without seconds (``2024-05-01T19:31Z``) and other forms read;
  garbage times refused where needed, let through where not (``createdAt``).
- ``test_snapshots``: cut short, empty, another program's JSON, a newer version, not text.
- ``test_crons``: Quartz ``#``, ``L``, ``W`` and seconds other than 0 in schedule mirroring.
- ``test_component_yaml``: misspelt keys, values of the wrong kind, two kinds of credentials.
"""
