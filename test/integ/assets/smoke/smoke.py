"""The integration test's smoke job: writes a small JSON report, so that a pipeline execution can succeed in minutes
without any input data."""
import json
import os
import platform

OUTPUT = "/opt/ml/processing/report"
os.makedirs(OUTPUT, exist_ok=True)
with open(os.path.join(OUTPUT, "report.json"), "w") as f:
    json.dump({"python": platform.python_version(), "ok": True}, f)
print("smoke report written")
