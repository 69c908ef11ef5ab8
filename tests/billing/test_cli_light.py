from __future__ import annotations

import subprocess
import sys


def test_help_lists_commands_without_heavy_imports() -> None:
    code = ("import sys\nfrom click.testing import CliRunner\nfrom finml.cli import cli\n"
            "r = CliRunner().invoke(cli, ['--help'])\nassert 'ingest' in r.output and 'costs' in r.output, r.output\n"
            "r = CliRunner().invoke(cli, ['ingest', '--help'])\nassert r.exit_code == 0\n"
            "heavy = [m for m in ('duckdb', 'boto3', 'google.cloud.bigquery', 'aliyunsdkcore') if m in sys.modules]\n"
            "assert not heavy, heavy\n")
    subprocess.run([sys.executable, "-c", code], check=True)
