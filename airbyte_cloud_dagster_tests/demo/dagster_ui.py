"""A small GraphQL client for the Dagster webserver, to drive it as the UI does."""

from __future__ import annotations

import time
from typing import Any

import requests

TERMINAL_RUN_STATUSES = {"SUCCESS", "FAILURE", "CANCELED"}

_LAUNCH = """
mutation($params: ExecutionParams!) {
  launchPipelineExecution(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
  }
}"""
_RUN = """
query($runId: ID!) {
  runOrError(runId: $runId) {
    ... on Run {
      status
      stats { ... on RunStatsSnapshot { stepsSucceeded stepsFailed materializations } }
    }
  }
}"""
_TERMINATE = """
mutation($runId: String!) { terminateRun(runId: $runId) { __typename } }"""
_LOCATIONS = "{ workspaceOrError { ... on Workspace { locationEntries { name } } } }"
_RUN_CHECKS = """
query($runId: ID!) {
  logsForRun(runId: $runId) {
    ... on EventConnection {
      events { ... on AssetCheckEvaluationEvent { evaluation { checkName success } } }
    }
  }
}"""
_ASSET_METADATA = """
query($key: AssetKeyInput!) {
  assetNodeOrError(assetKey: $key) {
    ... on AssetNode { metadataEntries { label ... on UrlMetadataEntry { url } } }
  }
}"""


class DagsterUI:
    def __init__(self, url: str) -> None:
        self.url = url

    def query(self, query: str, **variables: Any) -> dict[str, Any]:
        response = requests.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables}, timeout=30
        )
        response.raise_for_status()
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    def launch(self, job_name: str, asset_keys: list[list[str]] | None = None) -> str:
        (location,) = self.query(_LOCATIONS)["workspaceOrError"]["locationEntries"]
        selector: dict[str, Any] = {
            "repositoryLocationName": location["name"],
            "repositoryName": "__repository__",
            "pipelineName": job_name,
        }
        if asset_keys:
            selector["assetSelection"] = [{"path": key} for key in asset_keys]
        launched = self.query(_LAUNCH, params={"selector": selector, "mode": "default"})
        result = launched["launchPipelineExecution"]
        assert result["__typename"] == "LaunchRunSuccess", result
        return result["run"]["runId"]

    def run(self, run_id: str) -> dict[str, Any]:
        return self.query(_RUN, runId=run_id)["runOrError"]

    def wait_for_run(self, run_id: str, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.run(run_id)
            if run["status"] in TERMINAL_RUN_STATUSES:
                return run
            time.sleep(0.5)
        raise AssertionError(f"run {run_id} did not finish in {timeout} s: {self.run(run_id)}")

    def check_results(self, run_id: str) -> dict[str, bool]:
        """``check name -> passed`` for the asset checks a run evaluated."""
        events = self.query(_RUN_CHECKS, runId=run_id)["logsForRun"]["events"]
        return {
            event["evaluation"]["checkName"]: event["evaluation"]["success"]
            for event in events
            if event.get("evaluation")
        }

    def metadata_url(self, asset_key: list[str], label: str) -> str:
        """The URL of an asset definition's metadata entry ``label``."""
        node = self.query(_ASSET_METADATA, key={"path": asset_key})["assetNodeOrError"]
        (url,) = [e["url"] for e in node["metadataEntries"] if e["label"] == label]
        return url

    def terminate(self, run_id: str) -> None:
        result = self.query(_TERMINATE, runId=run_id)["terminateRun"]
        assert result["__typename"] == "TerminateRunSuccess", result
