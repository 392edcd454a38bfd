"""Asset specs for a workspace: one per destination table, keys unique across the workspace.

``load_airbyte_asset_specs`` is the specs alone, for users who write their own
``@dg.multi_asset`` (its body calls ``airbyte.sync_and_poll(context)``); every other loader
builds its assets on :func:`build_specs`.

Example::

    specs = load_airbyte_asset_specs(airbyte=airbyte, connection_ids=["9924bcd0-..."])

    @dg.multi_asset(specs=specs, can_subset=True)
    def my_airbyte(context: dg.AssetExecutionContext, airbyte: AirbyteCloudResource):
        yield from airbyte.sync_and_poll(context)
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence

import dagster as dg

from airbyte_cloud_dagster import metadata as md
from airbyte_cloud_dagster.api import AirbyteConnection
from airbyte_cloud_dagster.resource import AirbyteCloudResource
from airbyte_cloud_dagster.workspace.data import AirbyteWorkspaceData
from airbyte_cloud_dagster.workspace.loading import load_workspace_data
from airbyte_cloud_dagster.workspace.naming import short_hash
from airbyte_cloud_dagster.workspace.options import (
    DEFAULT_MAX_CONCURRENT_REQUESTS,
    AirbyteLoadOptions,
    ConnectionFilter,
    OnMissingSnapshot,
)
from airbyte_cloud_dagster.workspace.specs import (
    KEY_SCHEMES,
    AirbyteTranslator,
    DagsterAirbyteKeysTranslator,
    KeyScheme,
)


def load_airbyte_asset_specs(
    *,
    airbyte: AirbyteCloudResource,
    connection_ids: Sequence[str] | str | None = None,
    connection_filter: ConnectionFilter | None = None,
    connection_tags: Sequence[str] | str | None = None,
    translator: AirbyteTranslator | None = None,
    fetch_column_schema: bool = True,
    max_concurrent_requests: int = DEFAULT_MAX_CONCURRENT_REQUESTS,
    snapshot_path: str | os.PathLike[str] | None = None,
    on_missing_snapshot: OnMissingSnapshot = "fetch",
    key_scheme: KeyScheme | None = None,
) -> list[dg.AssetSpec]:
    """The asset specs of every active connection (or the ones named), without a body.

    The options are those of :class:`AirbyteLoadOptions`; ``translator`` decides each spec.
    ``key_scheme="dagster_airbyte"`` keeps dagster-airbyte's asset keys (the same as
    ``translator=DagsterAirbyteKeysTranslator()``); default ``[namespace, table]``.
    """
    translator = translator_for(translator, key_scheme)  # checked before any request
    options = AirbyteLoadOptions(
        connection_ids=connection_ids,
        connection_filter=connection_filter,
        connection_tags=connection_tags,
        fetch_column_schema=fetch_column_schema,
        max_concurrent_requests=max_concurrent_requests,
        snapshot_path=snapshot_path,
        on_missing_snapshot=on_missing_snapshot,
    )
    by_connection = build_specs(load_workspace_data(airbyte, options), translator)
    return [spec for specs in by_connection.values() for spec in specs]


def build_specs(
    data: AirbyteWorkspaceData,
    translator: AirbyteTranslator | None = None,
    *,
    key_scheme: KeyScheme | None = None,
) -> dict[str, list[dg.AssetSpec]]:
    """Asset specs per connection id, with keys made unique across the whole workspace.

    Streams whose keys sanitise alike (``a-b`` and ``a_b``) get a short stable suffix. Specs
    are ``skippable``: with wait_mode="sensor" the run only starts the sync, and the sync sensor
    records the tables when the job ends (sync/starting.py). ``key_scheme`` chooses the
    default translator (``workspace.specs.translator_for``).
    """
    translator = translator_for(translator, key_scheme)
    props = {c.connection_id: list(data.stream_props(c)) for c in data.connections}
    _warn_empty([c for c in data.connections if not props[c.connection_id]])
    translated = {
        connection_id: [translator.get_asset_spec(props) for props in connection_props]
        for connection_id, connection_props in props.items()
    }
    counts = Counter(spec.key for specs in translated.values() for spec in specs)
    return {
        connection_id: [_finished(spec, connection_id, counts[spec.key] > 1) for spec in specs]
        for connection_id, specs in translated.items()
    }


def translator_for(
    translator: AirbyteTranslator | None, key_scheme: str | None
) -> AirbyteTranslator:
    """The translator a loader uses: ``translator``, else the one of ``key_scheme``.

    Raises when both are given and disagree, since a translator decides its own keys.
    """
    if key_scheme is not None and key_scheme not in KEY_SCHEMES:
        raise dg.DagsterInvalidDefinitionError(
            f"key_scheme={key_scheme!r} is not one of {', '.join(map(repr, KEY_SCHEMES))}."
        )
    if translator is None:
        dagster_airbyte = key_scheme == "dagster_airbyte"
        return DagsterAirbyteKeysTranslator() if dagster_airbyte else AirbyteTranslator()
    own_scheme = getattr(translator, "key_scheme", "namespace_table")  # duck-typed ones too
    if key_scheme is not None and key_scheme != own_scheme:
        base = {"dagster_airbyte": "DagsterAirbyteKeysTranslator"}.get(
            key_scheme, "AirbyteTranslator"
        )
        raise dg.DagsterInvalidDefinitionError(
            f"key_scheme={key_scheme!r} disagrees with the translator "
            f"{type(translator).__name__}, whose keys are {own_scheme!r}; subclass "
            f"{base} instead, or leave key_scheme out."
        )
    return translator


def _warn_empty(connections: Sequence[AirbyteConnection]) -> None:
    """A selected connection with no enabled stream gets no assets: say so, once each."""
    for connection in connections:
        dg.get_dagster_logger("airbyte").warning(
            f"The Airbyte connection {connection.name!r} ({connection.connection_id}) has no "
            "enabled streams, so it gets no assets; enable streams on its Schema tab in "
            "Airbyte, or leave it out with connection_ids or connection_filter."
        )


def _finished(spec: dg.AssetSpec, connection_id: str, collides: bool) -> dg.AssetSpec:
    """The spec skippable (a translator may build its own) and, where its key collides with
    another stream's, made unique; the default translator's spec is returned as it is."""
    if not collides:
        return spec if spec.skippable else spec.replace_attributes(skippable=True)
    namespace = spec.metadata.get(md.STREAM_NAMESPACE, "")
    stream = f"{namespace}.{spec.metadata.get(md.STREAM_NAME, '')}"
    return spec.replace_attributes(key=_suffixed(spec.key, connection_id, stream), skippable=True)


def _suffixed(key: dg.AssetKey, connection_id: str, stream: str) -> dg.AssetKey:
    """``stream`` is ``namespace.name`` (``.name`` without a namespace)."""
    *prefix, last = key.path
    return dg.AssetKey([*prefix, f"{last}_{short_hash(connection_id, stream)}"])
