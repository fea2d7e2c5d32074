"""Every example value in .env.example works when uncommented, as bin/run reads it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ENV_EXAMPLE = Path(__file__).resolve().parent.parent / ".env.example"
SETTING = re.compile(r"^#?([A-Z_][A-Z0-9_]*)=(.*)$")


def test_every_example_value_is_read_by_bash_as_one_value(tmp_path):
    settings = [m for line in ENV_EXAMPLE.read_text().splitlines() if (m := SETTING.match(line))]
    uncommented = tmp_path / ".env"
    uncommented.write_text("".join(f"{m.group(1)}={m.group(2)}\n" for m in settings))
    names = " ".join(m.group(1) for m in settings)
    # bin/run reads .env exactly so: `set -a; . ./.env; set +a` under `set -euo pipefail`.
    script = (f"set -euo pipefail; set -a; . {uncommented}; set +a; "
              f"for n in {names}; do printf '%s=%s\\n' \"$n\" \"${{!n}}\"; done")
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    read = dict(line.split("=", 1) for line in result.stdout.splitlines())
    for m in settings:
        assert read[m.group(1)] == m.group(2).strip("\"'"), m.group(1)
